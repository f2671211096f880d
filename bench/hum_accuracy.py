"""Mains-hum detection accuracy against signal-to-noise ratio.

Generates 10-second clips: 50 Hz hum, 60 Hz hum (fundamental off nominal by up to
±0.4 Hz, wandering, weak fundamental and stronger harmonics) or no hum, under white
noise, pink noise, speech-like formant bursts or espeak-ng speech, and counts how often
:func:`vidi.clues.hum.detect_mains_hum` names the right answer (50, 60 or none).

    python bench/hum_accuracy.py [--trials 20] [--seconds 10]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "clues"))
from hum_signals import RATE, hum, mix, pink_noise, speech_like, white_noise  # noqa: E402

from vidi.clues.hum import detect_mains_hum  # noqa: E402
from vidi.media.audio import extract_audio  # noqa: E402

SNRS = (-25, -20, -15, -10, -5, 0, 10)
SENTENCES = [
    ("en", "The weather today is sunny with a light breeze from the west."),
    ("de", "Das Wetter ist heute sonnig und am Nachmittag kommt ein leichter Wind auf."),
    ("fr", "Le temps est ensoleillé aujourd'hui avec une brise légère venant de l'ouest."),
    ("es", "Hoy hace sol y por la tarde sopla una brisa suave del oeste."),
]
Background = Callable[[float, np.random.Generator], np.ndarray]


def espeak_background() -> Background:
    """Speech from espeak-ng in four languages and pitches, cut to the clip length."""
    clips = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (lang, text) in enumerate(SENTENCES):
            wav = Path(tmp) / f"{i}.wav"
            cmd = ["espeak-ng", "-v", lang, "-p", str(30 + 15 * i), "-w", str(wav), text]
            subprocess.run(cmd, check=True)
            clips.append(extract_audio(wav, RATE).astype(np.float64))
    speech = np.concatenate(clips)

    def make(seconds: float, rng: np.random.Generator) -> np.ndarray:
        n = int(seconds * RATE)
        start = int(rng.integers(0, len(speech)))
        return np.resize(np.roll(speech, -start), n) + 0.01 * white_noise(seconds, rng)

    return make


def accuracy(
    background: Background, truth: int | None, snr: float, trials: int, seconds: float, seed: int
) -> float:
    rng = np.random.default_rng(seed + (truth or 0))
    right = 0
    for _ in range(trials):
        part = hum(truth, seconds, rng) if truth else None
        result = detect_mains_hum(mix(part, background(seconds, rng), snr), RATE)
        right += result.frequency == truth
    return right / trials


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    backgrounds: dict[str, Background] = {
        "white noise": white_noise,
        "pink noise": pink_noise,
        "speech-like bursts": lambda s, r: speech_like(s, r) + 0.05 * white_noise(s, r),
        "espeak-ng speech": espeak_background(),
    }
    print(f"{args.trials} clips of {args.seconds:g} s per cell; accuracy = right answer / clips")
    print("| background | truth | " + " | ".join(f"{s:+d} dB" for s in SNRS) + " |")
    print("|---|---|" + "---|" * len(SNRS))
    for b, (name, background) in enumerate(backgrounds.items()):
        for truth in (50, 60):
            cells = [
                accuracy(
                    background, truth, snr, args.trials, args.seconds, 1000 * b + 100 + snr + truth
                )
                for snr in SNRS
            ]
            print(f"| {name} | {truth} Hz | " + " | ".join(f"{c:.2f}" for c in cells) + " |")
        none = accuracy(background, None, 0, args.trials * 3, args.seconds, 1000 * b + 7)
        print(f"| {name} | none | {none:.2f} (no false hum in {args.trials * 3} clips) |")


if __name__ == "__main__":
    main()
