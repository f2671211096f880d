"""Mains hum: whether a recording carries the 50 Hz or the 60 Hz of the local power grid.

Grids run at 50 Hz (most of the world) or 60 Hz (the Americas, parts of Asia), drifting
a few tenths of a hertz. Hum leaks into recordings from lamps, chargers and amplifiers,
often stronger in its harmonics (100/150 Hz or 120/180 Hz) than in the fundamental,
which small microphones barely pick up. So both families are measured the same way:
a long-window Welch spectrum, and for each harmonic the strongest line within the
allowed drift against the median of its neighbouring band. A family is found when
several harmonics stand out at one common fundamental, or the first or second
harmonic stands out strongly. 300 Hz and above are left out (they belong to both).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy import signal

from vidi.clues.base import Clue, ClueDetail, MediaInput
from vidi.media.audio import extract_audio

ANALYSIS_RATE = 1000
"""Samples per second kept for the analysis (hum harmonics of interest lie below 300 Hz)."""
WINDOW_S = 4.0
"""Longest Welch segment (0.25 Hz resolution); shorter clips use shorter segments so that
at least :data:`MIN_SEGMENTS` are averaged, down to one second (1 Hz)."""
MIN_SEGMENTS = 7
MAX_DRIFT_HZ = 0.5
"""How far the grid's fundamental may sit from nominal; harmonic k drifts k times as far."""
HARMONIC_CEILING_HZ = 290.0
MIN_SECONDS = 1.0
LINE_DB = 6.0
"""A harmonic counts when its line stands this far above its neighbouring band."""
STRONG_LINE_DB = 12.0
"""The first or second harmonic alone is enough when it stands this far out."""
MIN_EVIDENCE_DB = 4.0
"""Agreeing harmonics must together stand this far above :data:`LINE_DB` (sum of excesses)."""
MAX_F0_SPREAD_HZ = 0.15
"""Harmonics of one grid share one fundamental; speech and music seldom line up so."""


@dataclass(frozen=True)
class HumPeak:
    harmonic: int
    frequency_hz: float
    snr_db: float  # the line over the median of its neighbouring band


@dataclass(frozen=True)
class HumResult:
    frequency: int | None  # 50, 60, or None when no hum was found
    confidence: float  # 0..1
    snr_db: float  # strongest harmonic of the chosen family over its neighbourhood
    harmonics: tuple[HumPeak, ...]  # the harmonics that stood out


def detect_mains_hum(samples: np.ndarray, rate: int) -> HumResult:
    """Look for 50 Hz or 60 Hz mains hum in mono samples."""
    if samples.size < MIN_SECONDS * rate:
        return HumResult(None, 0.0, 0.0, ())
    freqs, psd, resolution = _spectrum(samples, rate)
    best = HumResult(None, 0.0, -np.inf, ())
    for mains in (50, 60):
        harmonics = range(1, int(HARMONIC_CEILING_HZ // mains) + 1)
        peaks = [_measure(freqs, psd, resolution, mains, k) for k in harmonics]
        result = _judge(mains, peaks)
        if (result.confidence, result.snr_db) > (best.confidence, best.snr_db):
            best = result
    return best


def _spectrum(samples: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Welch power spectrum at :data:`ANALYSIS_RATE`, and its resolution in Hz."""
    ratio = Fraction(ANALYSIS_RATE, rate).limit_denominator(1000)
    x = signal.resample_poly(samples.astype(np.float64), ratio.numerator, ratio.denominator)
    longest, shortest = int(WINDOW_S * ANALYSIS_RATE), ANALYSIS_RATE
    nperseg = min(len(x), max(shortest, min(longest, 2 * len(x) // (MIN_SEGMENTS + 1))))
    nfft = max(nperseg, 2 * longest)
    freqs, psd = signal.welch(x, fs=ANALYSIS_RATE, window="hann", nperseg=nperseg, nfft=nfft)
    return freqs, psd, ANALYSIS_RATE / nperseg


def _measure(freqs: np.ndarray, psd: np.ndarray, resolution: float, mains: int, k: int) -> HumPeak:
    """The strongest line near k·mains, in dB over the median of the band around it.

    The neighbouring band starts past the Hann window's main lobe (two bins each side).
    """
    centre, drift = k * mains, k * MAX_DRIFT_HZ + resolution / 2
    distance = np.abs(freqs - centre)
    near = distance <= drift
    around = (distance > drift + 2.5 * resolution) & (distance <= drift + 2.5 * resolution + 5)
    line = int(np.flatnonzero(near)[np.argmax(psd[near])])
    floor = float(np.median(psd[around])) + 1e-30
    return HumPeak(k, float(freqs[line]), float(10 * np.log10(psd[line] / floor + 1e-30)))


def _judge(mains: int, peaks: list[HumPeak]) -> HumResult:
    """Decide from the harmonics' lines whether this family of hum is present."""
    standing = [p for p in peaks if p.snr_db >= LINE_DB]
    strongest = max(peaks, key=lambda p: p.snr_db)
    agreeing = _largest_agreeing_group(standing)
    strong_low = [p for p in peaks if p.harmonic <= 2 and p.snr_db >= STRONG_LINE_DB]
    evidence = sum(p.snr_db - LINE_DB for p in agreeing) if len(agreeing) >= 2 else 0.0
    if evidence < MIN_EVIDENCE_DB and strong_low:
        evidence = strong_low[0].snr_db - STRONG_LINE_DB + MIN_EVIDENCE_DB
        agreeing = strong_low[:1]
    if evidence < MIN_EVIDENCE_DB:
        return HumResult(None, 0.0, round(strongest.snr_db, 1), ())
    # 0.5 at the threshold of evidence, towards 1 as the lines stand further out
    confidence = float(1.0 - 0.5 * np.exp(-(evidence - MIN_EVIDENCE_DB) / 8.0))
    return HumResult(mains, round(confidence, 3), round(strongest.snr_db, 1), tuple(agreeing))


def _largest_agreeing_group(peaks: list[HumPeak]) -> list[HumPeak]:
    """The most harmonics whose frequencies imply one fundamental (within the spread)."""
    best: list[HumPeak] = []
    for anchor in peaks:
        f0 = anchor.frequency_hz / anchor.harmonic
        group = [p for p in peaks if abs(p.frequency_hz / p.harmonic - f0) <= MAX_F0_SPREAD_HZ]
        if len(group) > len(best):
            best = group
    return best


class MainsHumExtractor:
    """Clue extractor: ``enf_50hz`` or ``enf_60hz`` from a video's or recording's audio."""

    name = "hum"
    version = "1"
    applies_to = frozenset({"video", "audio"})

    def __init__(self, max_seconds: float = 300.0, timeout_s: float = 300.0) -> None:
        self.max_seconds = max_seconds
        self.timeout_s = timeout_s

    def extract(self, media: MediaInput) -> list[Clue]:
        rate = 11025
        samples = extract_audio(media.path, rate, self.timeout_s, max_seconds=self.max_seconds)
        result = detect_mains_hum(samples, rate)
        if result.frequency is None:
            return []
        detail: ClueDetail = {
            "snr_db": result.snr_db,
            "harmonics": [
                [p.harmonic, round(p.frequency_hz, 2), round(p.snr_db, 1)] for p in result.harmonics
            ],
            "seconds_analysed": round(samples.size / rate, 1),
        }
        return [
            Clue(
                kind=f"enf_{result.frequency}hz",
                value=f"{result.frequency} Hz",
                confidence=result.confidence,
                detail=detail,
            )
        ]
