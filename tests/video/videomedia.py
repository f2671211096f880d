"""Generated test videos: ffmpeg test sources with synthetic audio, small and short."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from vidi.media.audio import write_wav

SIZE = "320x240"
RATE = 11025


def ffmpeg(*args: str | Path) -> None:
    argv = ["ffmpeg", "-nostdin", "-v", "error", "-y", *map(str, args)]
    subprocess.run(argv, check=True, timeout=120)


def lavfi(source: str, seconds: float) -> list[str]:
    return ["-f", "lavfi", "-t", f"{seconds:g}", "-i", f"{source}=size={SIZE}:rate=25"]


def melody(seed: int, seconds: float) -> np.ndarray:
    """A random sequence of chords: informative audio for Chromaprint."""
    rng = np.random.default_rng(seed)
    note_s = 0.25
    t = np.arange(int(RATE * note_s)) / RATE
    envelope = np.minimum(1.0, np.minimum(t, note_s - t) * 40)
    notes = []
    for _ in range(int(seconds / note_s)):
        freqs = 220.0 * 2 ** (rng.integers(0, 36, size=3) / 12)
        notes.append(sum(np.sin(2 * np.pi * f * t) for f in freqs) * envelope / 3)
    return (0.5 * np.concatenate(notes)).astype(np.float32)


def still_picture(path: Path) -> Path:
    """A busy, high-quality (for PDQ) benign picture: coloured shapes on a gradient."""
    rng = np.random.default_rng(7)
    image = Image.new("RGB", (320, 240))
    draw = ImageDraw.Draw(image)
    for y in range(240):
        draw.line([(0, y), (320, y)], fill=(y, 120, 255 - y))
    for _ in range(25):
        x, y = (int(v) for v in rng.integers(0, 300, size=2))
        colour = tuple(int(c) for c in rng.integers(0, 255, size=3))
        draw.ellipse([x, y % 220, x + 40, y % 220 + 30], fill=colour)
    image.save(path)
    return path


@dataclass(frozen=True)
class Media:
    base: Path  # testsrc2 + melody(1), 6 s, mp4
    reencoded: Path  # base at 240x180, low bitrate
    reencoded_webm: Path  # base as VP8 webm
    trimmed: Path  # seconds 1..4 of base
    unrelated: Path  # mandelbrot + melody(2)
    same_audio: Path  # mandelbrot pictures, base's audio
    with_still: Path  # mandelbrot 2 s, the still picture 3 s, smptebars 2 s
    still: Path  # the picture itself (PNG)
    scenes: Path  # three sources, 3 s each


def make_media(d: Path) -> Media:
    """Write every test video into folder ``d``."""
    write_wav(d / "m1.wav", melody(1, 6), RATE)
    write_wav(d / "m2.wav", melody(2, 6), RATE)
    h264 = ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"]
    ffmpeg(*lavfi("testsrc2", 6), "-i", d / "m1.wav", *h264, "-c:a", "aac", d / "base.mp4")
    ffmpeg("-i", d / "base.mp4", "-vf", "scale=240:180", *h264, "-b:v", "80k", d / "re.mp4")
    vp8 = ["-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k"]
    ffmpeg("-i", d / "base.mp4", *vp8, "-c:a", "libvorbis", d / "re.webm")
    ffmpeg("-ss", "1", "-i", d / "base.mp4", "-t", "3", *h264, "-an", d / "trim.mp4")
    ffmpeg(*lavfi("mandelbrot", 6), "-i", d / "m2.wav", *h264, "-c:a", "aac", d / "other.mp4")
    ffmpeg(
        *lavfi("mandelbrot", 6), "-i", d / "base.mp4", "-map", "0:v", "-map", "1:a", *h264,
        "-c:a", "libmp3lame", "-b:a", "96k", d / "same_audio.mkv",
    )  # fmt: skip
    still = still_picture(d / "still.png")
    ffmpeg(
        *lavfi("mandelbrot", 2), "-loop", "1", "-t", "3", "-framerate", "25", "-i", still,
        *lavfi("smptebars", 2),
        "-filter_complex", "[1]format=yuv420p[s];[0][s][2]concat=n=3:v=1:a=0", *h264,
        d / "with_still.mp4",
    )  # fmt: skip
    ffmpeg(
        *lavfi("testsrc2", 3), *lavfi("mandelbrot", 3), *lavfi("smptebars", 3),
        "-filter_complex", "[0][1][2]concat=n=3:v=1:a=0", *h264, d / "scenes.mp4",
    )  # fmt: skip
    return Media(
        base=d / "base.mp4",
        reencoded=d / "re.mp4",
        reencoded_webm=d / "re.webm",
        trimmed=d / "trim.mp4",
        unrelated=d / "other.mp4",
        same_audio=d / "same_audio.mkv",
        with_still=d / "with_still.mp4",
        still=still,
        scenes=d / "scenes.mp4",
    )
