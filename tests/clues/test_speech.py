"""Voice activity on espeak-ng speech, noise, hum and silence."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from hum_signals import RATE, hum, pink_noise, speech_like, white_noise

from vidi.clues.base import MediaInput
from vidi.clues.speech import SpeechExtractor, speech_segments
from vidi.media.audio import extract_audio, write_wav

SENTENCE = "The weather today is sunny with a light breeze from the west."


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    wav = tmp_path_factory.mktemp("speech") / "said.wav"
    subprocess.run(["espeak-ng", "-v", "en", "-w", str(wav), SENTENCE], check=True)
    return extract_audio(wav, RATE).astype(np.float64)


def _padded(speech: np.ndarray, before_s: float, after_s: float) -> np.ndarray:
    rng = np.random.default_rng(4)
    quiet = np.concatenate([np.zeros(int(before_s * RATE)), speech, np.zeros(int(after_s * RATE))])
    return quiet + 0.002 * rng.normal(0.0, 1.0, quiet.size)


def test_speech_between_silences_is_found_where_it_is(spoken: np.ndarray) -> None:
    audio = _padded(spoken, 2.0, 1.5)
    segments = speech_segments(audio, RATE)
    assert segments
    sounding = np.flatnonzero(np.abs(spoken) > 0.01) / RATE  # espeak pads with silence
    assert segments[0][0] == pytest.approx(2.0 + sounding[0], abs=0.3)
    assert segments[-1][1] == pytest.approx(2.0 + sounding[-1], abs=0.3)
    covered = sum(e - s for s, e in segments)
    assert covered >= 0.6 * spoken.size / RATE


def test_speech_like_bursts_are_found() -> None:
    rng = np.random.default_rng(5)
    bursts = speech_like(4.0, rng)
    audio = np.concatenate([np.zeros(RATE), bursts]) + 0.001 * white_noise(5.0, rng)
    segments = speech_segments(audio, RATE)
    assert segments and segments[0][0] >= 0.9


@pytest.mark.parametrize("kind", ["white", "pink", "hum", "silence"])
def test_no_speech_in_noise_hum_or_silence(kind: str) -> None:
    rng = np.random.default_rng(6)
    audio = {
        "white": lambda: 0.3 * white_noise(5.0, rng),
        "pink": lambda: 0.05 * pink_noise(5.0, rng),
        "hum": lambda: 0.2 * hum(50, 5.0, rng),
        "silence": lambda: np.zeros(5 * RATE),
    }[kind]()
    assert speech_segments(audio, RATE) == []


def test_noise_that_starts_suddenly_is_not_speech() -> None:
    rng = np.random.default_rng(8)
    audio = np.concatenate([np.zeros(2 * RATE), 0.3 * white_noise(3.0, rng)])
    assert speech_segments(audio, RATE) == []


def test_extractor_gives_speech_clues_with_time_spans(spoken: np.ndarray, tmp_path: Path) -> None:
    wav = tmp_path / "voice.wav"
    write_wav(wav, _padded(spoken, 1.0, 1.0).astype(np.float32), RATE)
    clues = SpeechExtractor().extract(MediaInput(sha256="0" * 64, media_type="audio", path=wav))
    assert clues and all(c.kind == "speech" for c in clues)
    first = clues[0].region
    assert first is not None and first.start_s == pytest.approx(1.0, abs=0.3)
    assert SpeechExtractor.applies_to == {"video", "audio"}
