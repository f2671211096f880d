"""Audio extraction and Chromaprint matching: shared sound under different pictures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from videomedia import RATE, Media, ffmpeg, lavfi, melody

from vidi.errors import DecodeError
from vidi.fingerprints.audio import AudioPrint, audio_similarity, is_informative
from vidi.media.audio import chromaprint, extract_audio


@pytest.fixture(scope="module")
def prints(media: Media) -> dict[str, AudioPrint]:
    names = ["base", "reencoded_webm", "unrelated", "same_audio"]
    return {name: chromaprint(getattr(media, name)) for name in names}


def test_extract_audio_gives_mono_float_at_the_rate_asked(media: Media) -> None:
    samples = extract_audio(media.base, sample_rate=8000)
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert len(samples) / 8000 == pytest.approx(6.0, abs=0.1)
    assert 0.05 < float(np.abs(samples).max()) <= 1.0


def test_video_without_audio_gives_no_samples_and_an_empty_print(media: Media) -> None:
    assert extract_audio(media.scenes).size == 0
    assert chromaprint(media.scenes) == AudioPrint(duration_s=0.0, fingerprint=())


def test_extract_audio_of_garbage_is_a_decode_error(tmp_path: Path) -> None:
    path = tmp_path / "noise.mkv"
    path.write_bytes(b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 8)
    with pytest.raises(DecodeError, match="noise.mkv"):
        extract_audio(path)


def test_same_audio_under_different_pictures_matches(prints: dict[str, AudioPrint]) -> None:
    assert prints["base"].duration_s == pytest.approx(6.0, abs=0.2)
    assert len(prints["base"].fingerprint) > 16
    assert audio_similarity(prints["base"].fingerprint, prints["same_audio"].fingerprint) > 0.7
    assert audio_similarity(prints["base"].fingerprint, prints["reencoded_webm"].fingerprint) > 0.7


def test_different_audio_does_not_match(prints: dict[str, AudioPrint]) -> None:
    assert audio_similarity(prints["base"].fingerprint, prints["unrelated"].fingerprint) < 0.3


def test_audio_cut_from_the_start_still_matches(
    media: Media, prints: dict[str, AudioPrint]
) -> None:
    samples = extract_audio(media.base)
    later = chromaprint(samples[int(1.5 * 11025) :])
    assert audio_similarity(later.fingerprint, prints["base"].fingerprint) > 0.7
    assert audio_similarity(prints["base"].fingerprint, later.fingerprint) > 0.7


def test_samples_and_file_give_the_same_print(media: Media, prints: dict[str, AudioPrint]) -> None:
    from_samples = chromaprint(extract_audio(media.base))
    assert from_samples.fingerprint == prints["base"].fingerprint


def test_silence_and_steady_tones_never_match() -> None:
    silence = chromaprint(np.zeros(RATE * 6, dtype=np.float32), sample_rate=RATE)
    t = np.arange(RATE * 6) / RATE
    tone = chromaprint((0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), RATE)
    assert not is_informative(silence.fingerprint) and not is_informative(tone.fingerprint)
    assert audio_similarity(silence.fingerprint, silence.fingerprint) == 0.0
    assert audio_similarity(tone.fingerprint, tone.fingerprint) == 0.0


def test_print_is_its_own_best_match() -> None:
    tune = melody(5, 6)
    fp = chromaprint(tune, sample_rate=RATE).fingerprint
    assert audio_similarity(fp, fp) == 1.0
    noisy = tune + np.random.default_rng(0).normal(0, 0.05, tune.size).astype(np.float32)
    assert audio_similarity(fp, chromaprint(noisy, sample_rate=RATE).fingerprint) > 0.6


def test_mkv_with_mp3_track_is_read(media: Media, tmp_path: Path) -> None:
    path = tmp_path / "short.mkv"
    ffmpeg(*lavfi("smptebars", 2), "-f", "lavfi", "-t", "2", "-i", "sine=frequency=300",
           "-c:v", "libx264", "-c:a", "libmp3lame", path)  # fmt: skip
    samples = extract_audio(path)
    spectrum = np.abs(np.fft.rfft(samples))
    assert np.argmax(spectrum) * 11025 / len(samples) == pytest.approx(300, abs=3)
