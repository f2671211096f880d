"""Audio tracks: decoded samples and their Chromaprint fingerprints.

Every format is decoded by one bounded ffmpeg child (:func:`extract_audio`); the
Chromaprint is computed by Debian's ``fpcalc`` from those samples, also in a bounded
child. Prints are compared in :mod:`vidi.fingerprints.audio`.
"""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np

from vidi.errors import DecodeError
from vidi.fingerprints.audio import AudioPrint
from vidi.media.children import run_bounded

DEFAULT_SAMPLE_RATE = 11025
CHROMAPRINT_FINGERPRINTER = "chromaprint-fpcalc"
"""Recorded with every audio print: prints from another fingerprinter do not compare."""
NO_AUDIO_STREAM = "does not contain any stream"
"""What ffmpeg says when ``-map 0:a:0?`` finds no audio: no audio, not a failure."""


def extract_audio(
    path: Path,
    sample_rate: int = DEFAULT_SAMPLE_RATE,
    timeout_s: float = 300.0,
    max_seconds: float | None = None,
) -> np.ndarray:
    """The first audio track as mono float32 in [-1, 1]; empty when there is no audio."""
    argv = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:a:0?", "-vn"]
    if max_seconds is not None:
        argv += ["-t", f"{max_seconds:g}"]
    argv += ["-ac", "1", "-ar", str(sample_rate), "-f", "f32le", "-"]
    try:
        raw = run_bounded(argv, timeout_s, f"audio of {path.name}")
    except DecodeError as exc:
        # the detail is ffmpeg's own last words, the only place it says this
        if NO_AUDIO_STREAM in exc.detail:
            return np.zeros(0, dtype=np.float32)
        raise
    return np.frombuffer(raw, dtype="<f4").astype(np.float32)


def chromaprint(
    source: Path | np.ndarray,
    sample_rate: int = DEFAULT_SAMPLE_RATE,
    max_seconds: int = 120,
    timeout_s: float = 120.0,
) -> AudioPrint:
    """Chromaprint of a media file's first audio track (or of mono float samples).

    The audio is decoded by :func:`extract_audio` and piped to Debian's ``fpcalc``:
    one bounded decoder for every format, and fpcalc's own decoder, which fails on
    the end of some MP4 files, is not used. No audio gives an empty fingerprint.
    """
    if isinstance(source, np.ndarray):
        samples, name = source[: int(max_seconds * sample_rate)], "samples"
    else:
        samples = extract_audio(source, sample_rate, timeout_s, max_seconds=max_seconds)
        name = source.name
    if samples.size == 0:
        return AudioPrint(duration_s=0.0, fingerprint=())
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    argv = ["fpcalc", "-format", "s16le", "-rate", str(sample_rate), "-channels", "1"]
    argv += ["-raw", "-json", "-length", str(max_seconds), "-"]
    # fpcalc 1.5.1 with FFmpeg 5 reports the normal end of input as an error (exit 3).
    what = f"audio fingerprint of {name}"
    out = run_bounded(argv, timeout_s, what, stdin=pcm, benign="(End of file)")
    try:
        doc = json.loads(out)
        items = tuple(int(v) & 0xFFFFFFFF for v in doc.get("fingerprint") or [])
    except (ValueError, TypeError, AttributeError) as exc:
        raise DecodeError(f"audio fingerprint of {name}: unreadable fpcalc output") from exc
    return AudioPrint(duration_s=samples.size / sample_rate, fingerprint=items)


def write_wav(path: Path, samples: np.ndarray, sample_rate: int) -> None:
    """Mono float samples → 16-bit PCM WAV (what fpcalc and sox read everywhere)."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm.tobytes())
