"""vPDQ hashing and matching: re-encodes, trims, unrelated videos, stills in videos."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PIL import Image
from videomedia import Media

from vidi.errors import DecodeError
from vidi.fingerprints.pdq import pdq_distance, pdq_hash
from vidi.fingerprints.vpdq import (
    FrameHash,
    frames_matching_image,
    unique_frames,
    vpdq_similarity,
)
from vidi.media.video import vpdq_hash


@pytest.fixture(scope="module")
def hashes(media: Media) -> dict[str, list[FrameHash]]:
    names = ["base", "reencoded", "reencoded_webm", "trimmed", "unrelated", "with_still"]
    return {name: vpdq_hash(getattr(media, name)) for name in names}


def test_one_hash_per_second_with_timestamps(hashes: dict[str, list[FrameHash]]) -> None:
    base = hashes["base"]
    assert [f.timestamp_s for f in base] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert [f.frame_number for f in base] == [0, 25, 50, 75, 100, 125]
    assert all(len(f.pdq_hex) == 64 and 0 <= f.quality <= 100 for f in base)


def test_fps_sets_the_sampling_rate(media: Media) -> None:
    assert len(vpdq_hash(media.trimmed, fps=2.0)) == pytest.approx(6, abs=1)


@pytest.mark.parametrize("copy", ["reencoded", "reencoded_webm"])
def test_reencoded_copies_match(hashes: dict[str, list[FrameHash]], copy: str) -> None:
    a_in_b, b_in_a = vpdq_similarity(hashes["base"], hashes[copy])
    assert a_in_b >= 80 and b_in_a >= 80


def test_unrelated_video_does_not_match(hashes: dict[str, list[FrameHash]]) -> None:
    assert vpdq_similarity(hashes["base"], hashes["unrelated"]) == (0.0, 0.0)


def test_trim_is_found_inside_the_whole(hashes: dict[str, list[FrameHash]]) -> None:
    whole_in_trim, trim_in_whole = vpdq_similarity(hashes["base"], hashes["trimmed"])
    assert trim_in_whole == 100.0  # every frame of the clip is in the original
    assert 30 <= whole_in_trim <= 80  # the original has frames the clip lacks


def test_still_picture_is_found_in_the_video(
    media: Media, hashes: dict[str, list[FrameHash]]
) -> None:
    with Image.open(media.still) as still:
        image = pdq_hash(still)
    found = frames_matching_image(hashes["with_still"], image.hex, radius=31)
    assert [f.timestamp_s for f in found] == [2.0, 3.0, 4.0]  # shown from 2 s to 5 s
    assert not frames_matching_image(hashes["base"], image.hex, radius=31)


def _frame(n: int, hex_: str, quality: int = 100) -> FrameHash:
    return FrameHash(frame_number=n, timestamp_s=float(n), pdq_hex=hex_, quality=quality)


ZERO = "0" * 64
NEAR_ZERO = "f" * 7 + "0" * 57  # 28 bits from ZERO
FAR = "f" * 16 + "0" * 48  # 64 bits from ZERO
ONES = "f" * 64


def test_matching_counts_unique_hashes_only() -> None:
    # a has ZERO three times and ONES once: two unique hashes, one of them in b
    a = [_frame(0, ZERO), _frame(1, ZERO), _frame(2, ZERO), _frame(3, ONES)]
    b = [_frame(0, NEAR_ZERO)]
    assert vpdq_similarity(a, b) == (50.0, 100.0)


def test_radius_is_inclusive_and_low_quality_frames_are_ignored() -> None:
    a = [_frame(0, ZERO), _frame(1, ONES, quality=10)]
    b = [_frame(0, NEAR_ZERO), _frame(1, ONES, quality=10)]
    assert vpdq_similarity(a, b, radius=28) == (100.0, 100.0)
    assert vpdq_similarity(a, b, radius=27) == (0.0, 0.0)
    assert vpdq_similarity(a, b, radius=28, min_quality=0) == (100.0, 100.0)
    assert vpdq_similarity(a, [_frame(0, FAR)]) == (0.0, 0.0)


def test_video_of_flat_frames_matches_nothing() -> None:
    flat = [_frame(0, ZERO, quality=0)]
    assert vpdq_similarity(flat, flat) == (0.0, 0.0)
    assert frames_matching_image(flat, ZERO) == []


def test_unique_frames_keeps_first_of_each_hash() -> None:
    frames = [_frame(0, ZERO), _frame(1, ONES), _frame(2, ZERO)]
    assert [f.frame_number for f in unique_frames(frames, 50)] == [0, 1]


def test_vpdq_frames_agree_with_picture_pdq(media: Media, tmp_path: Path) -> None:
    """vpdq's C++ PDQ and the pdqhash package give near hashes for the same frame."""
    frame_png = tmp_path / "frame.png"

    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(media.base), "-frames:v", "1", str(frame_png)],
        check=True,
    )
    with Image.open(frame_png) as frame:
        picture = pdq_hash(frame)
    assert pdq_distance(vpdq_hash(media.base)[0].pdq_hex, picture.hex) <= 10


def test_truncated_video_is_a_decode_error(media: Media, tmp_path: Path) -> None:
    data = media.base.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(DecodeError, match=r"vPDQ of cut\.mp4"):
        vpdq_hash(cut)


def test_hashing_past_the_time_limit_is_stopped(media: Media) -> None:
    with pytest.raises(DecodeError, match="stopped after"):
        vpdq_hash(media.base, timeout_s=0.01)
