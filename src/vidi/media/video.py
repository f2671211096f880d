"""Video decoding: probe a file, sample frames, hash frames with vPDQ, draw a contact sheet.

Every decode runs in a child process under a time limit (:mod:`vidi.media.children`),
because a corrupt or hostile video can hang a decoder:

* :func:`probe_video` runs PyAV in ``python -c`` (opens the container, reads the
  streams, decodes the first video frame to prove the file is playable);
* :func:`vpdq_hash` runs Meta's ``vpdq`` package (its own C++ decoder and PDQ), giving
  :class:`~vidi.fingerprints.vpdq.FrameHash` values that :mod:`vidi.fingerprints.vpdq`
  compares;
* :func:`sample_frames` and :func:`contact_sheet` stream raw RGB frames out of the
  ``ffmpeg`` command-line tool.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from vidi.errors import DecodeError, UnsupportedMedia
from vidi.fingerprints.vpdq import FrameHash
from vidi.media.children import run_bounded, stream_bounded

SHEET_QUALITY = 85

_PROBE_CHILD = r"""
import json, sys
import av
out = {}
try:
    with av.open(sys.argv[1], metadata_errors="ignore") as c:
        v = c.streams.video[0] if c.streams.video else None
        a = c.streams.audio[0] if c.streams.audio else None
        dur = c.duration / 1e6 if c.duration else None
        if dur is None and v is not None and v.duration and v.time_base:
            dur = float(v.duration * v.time_base)
        out = {"format": c.format.name, "duration_s": dur,
               "brand": c.metadata.get("major_brand", ""),
               "video_codec": v.codec_context.name if v else None,
               "width": v.codec_context.width if v else 0,
               "height": v.codec_context.height if v else 0,
               "frame_rate": float(v.average_rate) if v and v.average_rate else None,
               "audio_codec": a.codec_context.name if a else None}
        if v is None:
            raise ValueError("no video stream")
        if next(c.decode(v), None) is None:
            raise ValueError("no decodable video frame")
except Exception as exc:
    print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
    sys.exit(0)
print(json.dumps(out))
"""


_HASH_CHILD = r"""
import json, sys
import vpdq
try:
    features = vpdq.computeHash(sys.argv[1], seconds_per_hash=float(sys.argv[2]),
                                thread_count=int(sys.argv[3]))
except Exception as exc:
    print(json.dumps({"error": str(exc)}))
    sys.exit(0)
print(json.dumps({"frames": [[f.frame_number, f.timestamp, f.hex, f.quality]
                             for f in features]}))
"""


@dataclass(frozen=True)
class VideoInfo:
    """What a video is, as its container and streams say."""

    duration_s: float | None
    width: int
    height: int
    frame_rate: float | None
    video_codec: str
    audio_codec: str | None
    has_audio: bool
    container: str  # mp4, mov, mkv, webm, avi, mpegts, ... (ffmpeg's name otherwise)


@dataclass(frozen=True)
class SampledFrame:
    frame_number: int
    timestamp_s: float
    rgb: np.ndarray  # H×W×3 uint8


def probe_video(path: Path, timeout_s: float = 30.0) -> VideoInfo:
    """What a video is; raises DecodeError (with the decoder's reason) when it cannot play."""
    out = run_bounded([sys.executable, "-c", _PROBE_CHILD, str(path)], timeout_s, path.name)
    try:
        doc = json.loads(out)
    except ValueError as exc:
        raise DecodeError(f"{path.name}: probe gave no answer") from exc
    if "error" in doc:
        raise DecodeError(f"{path.name}: not a playable video ({doc['error']})")
    if doc["format"] == "image2" or doc["format"].endswith("_pipe"):
        raise UnsupportedMedia(f"{path.name}: a still picture ({doc['format']}), not a video")
    return VideoInfo(
        duration_s=doc["duration_s"],
        width=int(doc["width"]),
        height=int(doc["height"]),
        frame_rate=doc["frame_rate"],
        video_codec=doc["video_codec"],
        audio_codec=doc["audio_codec"],
        has_audio=doc["audio_codec"] is not None,
        container=_container_name(path, doc["format"], doc["brand"]),
    )


def _container_name(path: Path, ffmpeg_format: str, brand: str) -> str:
    """ffmpeg names demuxer families ("matroska,webm"); say which member it is."""
    if ffmpeg_format.startswith("matroska"):
        with path.open("rb") as f:
            return "webm" if b"webm" in f.read(64) else "mkv"
    if ffmpeg_format.startswith("mov,"):
        return "mov" if brand.strip() == "qt" else "mp4"
    return ffmpeg_format.split(",")[0]


def vpdq_hash(
    path: Path, fps: float = 1.0, timeout_s: float = 300.0, threads: int = 1
) -> list[FrameHash]:
    """vPDQ of a video: one PDQ hash per 1/fps seconds. DecodeError if it cannot play."""
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    argv = [sys.executable, "-c", _HASH_CHILD, str(path), repr(1.0 / fps), str(threads)]
    out = run_bounded(argv, timeout_s, f"vPDQ of {path.name}")
    try:
        doc = json.loads(out)
    except ValueError as exc:
        raise DecodeError(f"vPDQ of {path.name}: hasher gave no answer") from exc
    if "error" in doc:
        raise DecodeError(f"vPDQ of {path.name}: not a decodable video ({doc['error']})")
    frames = [FrameHash(int(n), round(float(t), 3), str(h), int(q)) for n, t, h, q in doc["frames"]]
    if not frames:
        raise DecodeError(f"vPDQ of {path.name}: no frame could be decoded")
    return frames


def fit_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """Scale (width, height) down to fit max_side, keeping even sizes ffmpeg likes."""
    scale = min(1.0, max_side / max(width, height, 1))
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def sample_frames(
    path: Path, fps: float = 1.0, timeout_s: float = 300.0, max_side: int = 512
) -> Iterator[SampledFrame]:
    """Frames at a fixed rate, scaled to fit ``max_side``, one at a time (bounded memory)."""
    info = probe_video(path, timeout_s=min(timeout_s, 60.0))
    width, height = fit_size(info.width, info.height, max_side)
    vf = f"fps={fps:g},scale={width}:{height}"
    for number, rgb in enumerate(stream_rgb(path, vf, width, height, timeout_s)):
        yield SampledFrame(frame_number=number, timestamp_s=number / fps, rgb=rgb)


def stream_rgb(
    path: Path,
    vf: str,
    width: int,
    height: int,
    timeout_s: float,
    input_args: tuple[str, ...] = (),
) -> Iterator[np.ndarray]:
    """Run ffmpeg with filter ``vf`` and yield its width×height RGB frames.

    ffmpeg is stopped when ``timeout_s`` has passed; that becomes a DecodeError.
    """
    argv = ["ffmpeg", "-nostdin", "-v", "error", "-noautorotate", *input_args, "-i", str(path)]
    argv += ["-map", "0:v:0", "-vf", vf, "-fps_mode", "passthrough"]
    argv += ["-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    for chunk in stream_bounded(argv, width * height * 3, timeout_s, path.name):
        yield np.frombuffer(chunk, dtype=np.uint8).reshape(height, width, 3)


def contact_sheet(
    path: Path, out_path: Path, max_frames: int = 12, tile: int = 160, timeout_s: float = 300.0
) -> int:
    """Write one JPEG grid of the video's keyframes; return how many tiles it has.

    Only keyframes are decoded (``-skip_frame nokey``): they are where encoders put
    scene changes, and decoding them alone costs a small part of a full decode. At most
    ``2*max_frames`` are held at any time (every other one is dropped when the list
    fills), and ``max_frames`` evenly spread ones are drawn.
    """
    vf = (
        f"scale={tile}:{tile}:force_original_aspect_ratio=decrease,"
        f"pad={tile}:{tile}:(ow-iw)/2:(oh-ih)/2"
    )
    kept: list[np.ndarray] = []
    stride = 1
    frames = stream_rgb(path, vf, tile, tile, timeout_s, input_args=("-skip_frame", "nokey"))
    for seen, rgb in enumerate(frames):
        if seen % stride == 0:
            kept.append(rgb)
            if len(kept) > 2 * max_frames:
                kept, stride = kept[::2], stride * 2
    chosen = _evenly(kept, max_frames)
    if not chosen:
        raise DecodeError(f"{path.name}: no frame could be decoded for a contact sheet")
    _write_grid(chosen, out_path, tile)
    return len(chosen)


def _evenly(items: list[np.ndarray], count: int) -> list[np.ndarray]:
    if len(items) <= count:
        return items
    picks = np.linspace(0, len(items) - 1, count).round().astype(int)
    return [items[i] for i in picks]


def _write_grid(tiles: list[np.ndarray], out_path: Path, tile: int) -> None:
    cols = math.ceil(math.sqrt(len(tiles)))
    rows = math.ceil(len(tiles) / cols)
    sheet = Image.new("RGB", (cols * tile, rows * tile))
    for i, rgb in enumerate(tiles):
        sheet.paste(Image.fromarray(rgb), ((i % cols) * tile, (i // cols) * tile))
    out_path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out_path, "JPEG", quality=SHEET_QUALITY)
