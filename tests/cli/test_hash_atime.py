"""``vidi hash`` leaves a video's access time as it was (``vidi lookup FILE`` shares its code)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vidi.cli.main import app

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")

OLD = 1_577_836_800  # 2020-01-01: older than mtime, so relatime would bump it on any read


def make_video(out: Path) -> Path:
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-t", "1"]
        + ["-i", "testsrc2=size=96x64:rate=5", "-c:v", "libx264", "-pix_fmt", "yuv420p"]
        + [str(out)],
        check=True,
        timeout=60,
    )
    return out


def aged(path: Path) -> Path:
    os.utime(path, (OLD, path.stat().st_mtime))
    return path


def atimes_are_observable(tmp_path: Path) -> bool:
    probe = aged(tmp_path / "probe")
    probe.read_bytes()
    return probe.stat().st_atime != OLD


@pytest.fixture
def video(tmp_path: Path) -> Path:
    (tmp_path / "probe").write_bytes(b"x")
    if not atimes_are_observable(tmp_path):
        pytest.skip("this filesystem does not record access times (noatime mount)")
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    return aged(make_video(evidence / "clip.mp4"))


def test_hash_of_a_video_leaves_its_access_time_alone(tmp_path: Path, video: Path) -> None:
    result = CliRunner().invoke(
        app, ["--home", str(tmp_path / "home"), "hash", str(video), "--json"]
    )
    assert result.exit_code == 0, result.output
    facts = json.loads(result.stdout)
    assert facts["media_type"] == "video" and facts["vpdq_frames"] > 0
    assert facts["path"] == str(video)
    assert video.stat().st_atime == OLD


def test_a_decoder_given_the_path_itself_would_move_the_access_time(video: Path) -> None:
    """Why the copy is needed: a child process's own open updates the access time."""
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(video), "-f", "null", "-"], check=True
    )
    assert video.stat().st_atime != OLD
