"""vPDQ, Meta's video hash: a PDQ hash per sampled frame, matched as a bag of frames.

Hashing a video file uses Meta's ``vpdq`` package (its C++ decoder and PDQ), run in a
child process under a time limit by :func:`vidi.media.video.vpdq_hash`; this module
holds the frame hashes and compares them, and decodes nothing.

Matching follows vPDQ's brute-force algorithm (ThreatExchange ``vpdq/README.md``):
drop repeated identical hashes, drop frames below the quality floor, then count the
frames of each video that have any frame of the other within the Hamming radius.
Frame order and timestamps play no part, so clips and trims still match.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import version

import numpy as np

from vidi.fingerprints.pdq import hex_to_bytes

VPDQ_FINGERPRINTER = f"vpdq-{version('vpdq')}"


@dataclass(frozen=True)
class FrameHash:
    """One sampled frame's PDQ hash (hex) and quality; together a video's frames are its vPDQ."""

    frame_number: int
    timestamp_s: float
    pdq_hex: str
    quality: int


def unique_frames(frames: Iterable[FrameHash], min_quality: int) -> list[FrameHash]:
    """Frames with a hash not seen before and at least ``min_quality`` (as vPDQ prepares)."""
    seen: set[str] = set()
    kept = []
    for frame in frames:
        if frame.pdq_hex not in seen:
            seen.add(frame.pdq_hex)
            if frame.quality >= min_quality:
                kept.append(frame)
    return kept


def _bits(frames: Sequence[FrameHash]) -> np.ndarray:
    """N×32 uint8 matrix of hash bytes, for vectorised Hamming distances."""
    if not frames:
        return np.zeros((0, 32), dtype=np.uint8)
    return np.frombuffer(b"".join(hex_to_bytes(f.pdq_hex) for f in frames), np.uint8).reshape(
        -1, 32
    )


def _distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """len(a)×len(b) Hamming distances, row block by row block to bound memory."""
    out = np.empty((len(a), len(b)), dtype=np.uint16)
    for start in range(0, len(a), 256):
        block = a[start : start + 256, None, :] ^ b[None, :, :]
        out[start : start + 256] = np.bitwise_count(block).sum(axis=2, dtype=np.uint16)
    return out


def vpdq_similarity(
    a: Sequence[FrameHash], b: Sequence[FrameHash], radius: int = 31, min_quality: int = 50
) -> tuple[float, float]:
    """(percent of a's frames found in b, percent of b's frames found in a), 0..100.

    A video whose frames are all below ``min_quality`` matches nothing (0.0).
    """
    qa, qb = unique_frames(a, min_quality), unique_frames(b, min_quality)
    if not qa or not qb:
        return 0.0, 0.0
    close = _distances(_bits(qa), _bits(qb)) <= radius
    return (
        100.0 * float(close.any(axis=1).mean()),
        100.0 * float(close.any(axis=0).mean()),
    )


def frames_matching_image(
    frames: Sequence[FrameHash], image_pdq_hex: str, radius: int = 31, min_quality: int = 50
) -> list[FrameHash]:
    """The video's frames within ``radius`` of a picture's PDQ hash (video-to-image links)."""
    usable = [f for f in frames if f.quality >= min_quality]
    if not usable:
        return []
    image = np.frombuffer(hex_to_bytes(image_pdq_hex), np.uint8).reshape(1, 32)
    near = _distances(_bits(usable), image)[:, 0] <= radius
    return [f for f, hit in zip(usable, near, strict=True) if hit]
