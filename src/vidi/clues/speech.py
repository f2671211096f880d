"""Voice activity: the time spans of a recording in which someone speaks.

A voice in the background can be a clue (a language, an accent, a name), so the
reviewer is pointed to the spans worth listening to. Each 30 ms frame is voiced when
it is louder than the recording's quiet floor, holds most of its energy in the voice
band (250–3500 Hz, which steady hum and rumble do not) and is not spectrally flat
(as hiss is); runs of voiced frames, bridged over short pauses, become segments.
"""

from __future__ import annotations

import numpy as np

from vidi.clues.base import Clue, MediaInput, Region
from vidi.media.audio import extract_audio

FRAME_S = 0.03
LOUDER_THAN_FLOOR_DB = 12.0
"""A voiced frame stands this far above the 10th-percentile frame energy."""
MIN_BAND_SHARE = 0.6
"""Share of a frame's energy in the voice band."""
MAX_FLATNESS = 0.3
"""Spectral flatness (geometric/arithmetic mean) above which a frame is noise-like."""
MIN_ENERGY = 1e-7
"""Mean square below which a frame is silence whatever the floor (about -70 dBFS)."""
BRIDGE_S = 0.3
MIN_SEGMENT_S = 0.25


def speech_segments(samples: np.ndarray, rate: int) -> list[tuple[float, float]]:
    """(start_s, end_s) spans of speech, in order."""
    voiced = _voiced_frames(samples, rate)
    return _segments(voiced, FRAME_S)


def _voiced_frames(samples: np.ndarray, rate: int) -> np.ndarray:
    size = int(FRAME_S * rate)
    count = samples.size // size
    if count == 0:
        return np.zeros(0, dtype=bool)
    frames = samples[: count * size].astype(np.float64).reshape(count, size)
    frames = frames * np.hanning(size)
    spectra = np.abs(np.fft.rfft(frames, axis=1)) ** 2 + 1e-20
    freqs = np.fft.rfftfreq(size, 1.0 / rate)
    energy = spectra.sum(axis=1)
    band = spectra[:, (freqs >= 250) & (freqs <= 3500)].sum(axis=1) / energy
    usable = spectra[:, (freqs >= 100) & (freqs <= 4000)]
    flatness = np.exp(np.log(usable).mean(axis=1)) / usable.mean(axis=1)
    floor = np.percentile(energy, 10)
    loud = 10 * np.log10(energy / floor) >= LOUDER_THAN_FLOOR_DB
    audible = energy / size >= MIN_ENERGY
    return loud & audible & (band >= MIN_BAND_SHARE) & (flatness <= MAX_FLATNESS)


def _segments(voiced: np.ndarray, frame_s: float) -> list[tuple[float, float]]:
    spans: list[list[float]] = []
    for i in np.flatnonzero(voiced):
        start, end = i * frame_s, (i + 1) * frame_s
        if spans and start - spans[-1][1] <= BRIDGE_S:
            spans[-1][1] = end
        else:
            spans.append([start, end])
    return [(round(s, 2), round(e, 2)) for s, e in spans if e - s >= MIN_SEGMENT_S]


class SpeechExtractor:
    """Clue extractor: one ``speech`` clue per span of voice, with its time span."""

    name = "speech"
    version = "1"
    applies_to = frozenset({"video", "audio"})

    def __init__(self, max_seconds: float = 1800.0, timeout_s: float = 300.0) -> None:
        self.max_seconds = max_seconds
        self.timeout_s = timeout_s

    def extract(self, media: MediaInput) -> list[Clue]:
        rate = 16000
        samples = extract_audio(media.path, rate, self.timeout_s, max_seconds=self.max_seconds)
        return [
            Clue(
                kind="speech",
                value=f"{start:.2f}-{end:.2f} s",
                confidence=0.7,
                region=Region(start_s=start, end_s=end),
            )
            for start, end in speech_segments(samples, rate)
        ]
