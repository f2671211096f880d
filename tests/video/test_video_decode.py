"""Probing, frame sampling and contact sheets on generated videos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from videomedia import Media, ffmpeg, lavfi

from vidi.errors import DecodeError, UnsupportedMedia
from vidi.media.video import contact_sheet, probe_video, sample_frames

CONTAINERS = [
    # suffix, video codec args, audio codec args, expected (container, video, audio)
    ("mp4", ["-c:v", "libx264"], ["-c:a", "aac"], ("mp4", "h264", "aac")),
    ("mkv", ["-c:v", "libx264"], ["-c:a", "libvorbis"], ("mkv", "h264", "vorbis")),
    (
        "webm",
        ["-c:v", "libvpx", "-deadline", "realtime"],
        ["-c:a", "libopus"],
        ("webm", "vp8", "opus"),
    ),  # noqa: E501
    ("avi", ["-c:v", "mjpeg"], ["-c:a", "pcm_s16le"], ("avi", "mjpeg", "pcm_s16le")),
    ("ts", ["-c:v", "mpeg2video"], ["-c:a", "mp2"], ("mpegts", "mpeg2video", "mp2")),
]


@pytest.mark.parametrize(("suffix", "vcodec", "acodec", "expected"), CONTAINERS)
def test_container_formats_are_probed(
    tmp_path: Path, suffix: str, vcodec: list[str], acodec: list[str], expected: tuple
) -> None:
    path = tmp_path / f"clip.{suffix}"
    sine = ["-f", "lavfi", "-t", "2", "-i", "sine=frequency=440:sample_rate=48000"]
    ffmpeg(*lavfi("testsrc2", 2), *sine, *vcodec, "-pix_fmt", "yuv420p", *acodec, path)
    info = probe_video(path, timeout_s=30)
    assert (info.container, info.video_codec, info.audio_codec) == expected
    assert (info.width, info.height) == (320, 240)
    assert info.has_audio
    assert info.duration_s == pytest.approx(2.0, abs=0.2)
    assert info.frame_rate == pytest.approx(25.0, abs=0.5)


def test_video_without_audio_says_so(media: Media) -> None:
    info = probe_video(media.scenes)
    assert not info.has_audio and info.audio_codec is None
    assert info.duration_s == pytest.approx(9.0, abs=0.2)


def test_truncated_mp4_is_a_decode_error_with_reason(media: Media, tmp_path: Path) -> None:
    data = media.base.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(DecodeError, match=r"cut\.mp4: not a playable video \(.+\)"):
        probe_video(cut)


@pytest.mark.parametrize("content", [b"", b"\x00" * 4096, bytes(range(256)) * 64])
def test_garbage_is_a_decode_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "garbage.mp4"
    path.write_bytes(content)
    with pytest.raises(DecodeError, match="garbage.mp4"):
        probe_video(path)


def test_picture_is_not_a_video(media: Media) -> None:
    with pytest.raises(UnsupportedMedia, match="still picture"):
        probe_video(media.still)


def test_decoding_past_the_time_limit_is_stopped(media: Media) -> None:
    with pytest.raises(DecodeError, match="stopped after"):
        probe_video(media.base, timeout_s=0.01)


def test_frames_are_sampled_at_the_rate_asked(media: Media) -> None:
    frames = list(sample_frames(media.base, fps=2.0, max_side=160))
    assert len(frames) == pytest.approx(12, abs=1)
    assert frames[0].rgb.shape == (120, 160, 3)
    assert [f.timestamp_s for f in frames[:3]] == [0.0, 0.5, 1.0]
    # testsrc2 moves: consecutive samples differ
    assert np.abs(frames[0].rgb.astype(int) - frames[4].rgb.astype(int)).mean() > 5


def test_contact_sheet_shows_scenes_within_the_limit(media: Media, tmp_path: Path) -> None:
    out = tmp_path / "sheet.jpg"
    count = contact_sheet(media.scenes, out, max_frames=4, tile=100)
    assert 3 <= count <= 4  # three scenes, at most four tiles
    with Image.open(out) as sheet:
        assert sheet.format == "JPEG"
        assert sheet.size == (200, 200)


def test_contact_sheet_keeps_at_most_max_frames(media: Media, tmp_path: Path) -> None:
    out = tmp_path / "sheet.jpg"
    count = contact_sheet(media.scenes, out, max_frames=2, tile=64)
    assert count == 2
    with Image.open(out) as sheet:
        assert sheet.size == (128, 64)
