"""Chromaprint fingerprints compared, so that videos sharing the same sound are linked
even when their pictures differ.

A print is made from decoded audio by :func:`vidi.media.audio.chromaprint` (ffmpeg and
fpcalc in bounded child processes); this module holds prints and compares them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

CHROMAPRINT_ITEM_S = 4096 / 3 / 11025
"""Chromaprint emits one 32-bit item every 4096/3 samples at its internal 11025 Hz."""
MIN_OVERLAP_ITEMS = 10
"""Fewest aligned items (about 1.2 s) an audio match may rest on."""
CODE_SHIFT = 12
"""Items are shifted right by this many bits to make a track's *codes*, the keys of the
inverted index audio links search (:mod:`vidi.matching.audio_index`): a 20-bit code
(random tracks of 2,000 items share about four codes by chance, the same recording
hundreds)."""


@dataclass(frozen=True)
class AudioPrint:
    """A Chromaprint fingerprint: one 32-bit item per ~0.124 s of audio."""

    duration_s: float
    fingerprint: tuple[int, ...]


def audio_codes(fingerprint: Iterable[int]) -> dict[int, int]:
    """Each distinct code of a print and the first item offset where it occurs."""
    first: dict[int, int] = {}
    for offset, item in enumerate(fingerprint):
        first.setdefault((int(item) & 0xFFFFFFFF) >> CODE_SHIFT, offset)
    return first


def is_informative(fingerprint: tuple[int, ...] | list[int]) -> bool:
    """False for prints of silence or a steady tone, which would match each other falsely."""
    if len(fingerprint) < MIN_OVERLAP_ITEMS:
        return False
    return len(set(fingerprint)) >= len(fingerprint) // 4


def audio_similarity(a: tuple[int, ...] | list[int], b: tuple[int, ...] | list[int]) -> float:
    """0..1: one minus twice the bit error rate at the best alignment of the two prints.

    Unrelated audio has a bit error rate near 0.5 (similarity near 0); the same audio,
    re-encoded or cut, stays well below it. Every offset that leaves at least
    :data:`MIN_OVERLAP_ITEMS` (or the shorter print's length) aligned is tried.
    """
    if not (is_informative(a) and is_informative(b)):
        return 0.0
    x = np.asarray(a, dtype=np.uint32)
    y = np.asarray(b, dtype=np.uint32)
    min_overlap = min(MIN_OVERLAP_ITEMS, len(x), len(y))
    best_ber = 0.5
    for offset in range(-(len(y) - min_overlap), len(x) - min_overlap + 1):
        xs = x[max(offset, 0) :]
        ys = y[max(-offset, 0) :]
        n = min(len(xs), len(ys))
        errors = int(np.bitwise_count(xs[:n] ^ ys[:n]).sum())
        best_ber = min(best_ber, errors / (32.0 * n))
    return max(0.0, 1.0 - 2.0 * best_ber)
