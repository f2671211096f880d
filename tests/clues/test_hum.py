"""Mains hum (50/60 Hz) under noise and speech; no hum found where there is none."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from hum_signals import RATE, hum, mix, pink_noise, speech_like, white_noise

from vidi.clues.base import MediaInput
from vidi.clues.hum import MainsHumExtractor, detect_mains_hum
from vidi.media.audio import extract_audio, write_wav

SECONDS = 8.0


def _background(kind: str, rng: np.random.Generator) -> np.ndarray:
    if kind == "white":
        return white_noise(SECONDS, rng)
    if kind == "pink":
        return pink_noise(SECONDS, rng)
    return speech_like(SECONDS, rng) + 0.05 * white_noise(SECONDS, rng)


@pytest.mark.parametrize("mains", [50, 60])
@pytest.mark.parametrize("kind", ["white", "pink", "speech"])
@pytest.mark.parametrize("snr", [-15, 0, 10])
def test_hum_is_found_with_its_frequency(mains: int, kind: str, snr: int) -> None:
    rng = np.random.default_rng(mains + 100 + int(snr) + len(kind))
    result = detect_mains_hum(mix(hum(mains, SECONDS, rng), _background(kind, rng), snr), RATE)
    assert result.frequency == mains
    assert 0.5 <= result.confidence <= 1.0
    assert result.harmonics and all(
        abs(p.frequency_hz - p.harmonic * mains) <= p.harmonic * 0.5 + 0.3 for p in result.harmonics
    )


@pytest.mark.parametrize("mains", [50, 60])
def test_fundamental_alone_is_enough(mains: int) -> None:
    rng = np.random.default_rng(11)
    audio = mix(hum(mains, SECONDS, rng, shape="fundamental"), white_noise(SECONDS, rng), -10)
    assert detect_mains_hum(audio, RATE).frequency == mains


def test_stronger_hum_gives_more_confidence() -> None:
    rng = np.random.default_rng(12)
    noise, part = pink_noise(SECONDS, rng), hum(50, SECONDS, rng)
    weak = detect_mains_hum(mix(part, noise, -18), RATE)
    strong = detect_mains_hum(mix(part, noise, 0), RATE)
    assert strong.confidence > weak.confidence
    assert strong.snr_db > weak.snr_db


@pytest.mark.parametrize("kind", ["white", "pink", "speech"])
@pytest.mark.parametrize("seed", range(4))
def test_no_hum_is_found_in_noise_or_speech_alone(kind: str, seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    result = detect_mains_hum(mix(None, _background(kind, rng), 0), RATE)
    assert result.frequency is None and result.confidence == 0.0


def test_off_grid_tone_is_not_hum() -> None:
    rng = np.random.default_rng(13)
    t = np.arange(int(SECONDS * RATE)) / RATE
    tone = np.sin(2 * np.pi * 55.0 * t) + np.sin(2 * np.pi * 110.0 * t)  # 55 Hz family
    assert detect_mains_hum(mix(tone, white_noise(SECONDS, rng), 0), RATE).frequency is None


def test_too_short_audio_gives_no_answer() -> None:
    rng = np.random.default_rng(14)
    assert (
        detect_mains_hum(mix(hum(50, 0.5, rng), white_noise(0.5, rng), 10), RATE).frequency is None
    )


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    wav = tmp_path_factory.mktemp("hum") / "said.wav"
    text = "Das Wetter ist heute sonnig und am Nachmittag kommt ein leichter Wind auf."
    subprocess.run(["espeak-ng", "-v", "de", "-w", str(wav), text], check=True)
    return extract_audio(wav, RATE).astype(np.float64)


def test_espeak_speech_alone_has_no_hum_and_with_hum_has(spoken: np.ndarray) -> None:
    rng = np.random.default_rng(15)
    assert detect_mains_hum(spoken.astype(np.float32), RATE).frequency is None
    seconds = spoken.size / RATE
    assert detect_mains_hum(mix(hum(60, seconds, rng), spoken, -5), RATE).frequency == 60


def test_extractor_reads_a_video_sound_track(tmp_path: Path) -> None:
    rng = np.random.default_rng(16)
    wav, video = tmp_path / "track.wav", tmp_path / "clip.mkv"
    write_wav(wav, mix(hum(50, 6.0, rng), white_noise(6.0, rng), -5), RATE)
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:duration=6",
         "-i", str(wav), "-c:v", "libx264", "-c:a", "libvorbis", "-shortest", str(video)],
        check=True,
    )  # fmt: skip
    extractor = MainsHumExtractor()
    clues = extractor.extract(MediaInput(sha256="0" * 64, media_type="video", path=video))
    assert [c.kind for c in clues] == ["enf_50hz"]
    assert clues[0].confidence >= 0.5 and clues[0].detail["harmonics"]
    assert (extractor.name, extractor.version) == ("hum", "1")


def test_extractor_finds_nothing_in_a_silent_video(tmp_path: Path) -> None:
    video = tmp_path / "mute.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:duration=2",
         "-c:v", "libx264", str(video)],
        check=True,
    )  # fmt: skip
    media = MediaInput(sha256="0" * 64, media_type="video", path=video)
    assert MainsHumExtractor().extract(media) == []
