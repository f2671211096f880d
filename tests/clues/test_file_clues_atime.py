"""A file's clues, extracted now (``Workbench.file_clues``, ``vidi clues FILE``), leave the
file's access time as it was: a source is never modified, its atime included."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vidi.cli.main import app
from vidi.config import Settings
from vidi.store.db import Database
from vidi.workbench import Workbench
from vidi_testing import clip_with_sound, jpeg_bytes, scene

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")


def aged(path: Path) -> int:
    """Set the access time an hour before the modification time, so that a read on a
    relatime mount would update it; return that access time (ns)."""
    mtime = path.stat().st_mtime_ns
    atime = mtime - 3600 * 10**9
    os.utime(path, ns=(atime, mtime))
    return atime


def noatime_refusal(path: Path) -> str | None:
    """Why the kernel would refuse O_NOATIME on this file (not its owner, not root)."""
    try:
        os.close(os.open(path, os.O_RDONLY | os.O_NOATIME))
    except PermissionError as error:
        if error.errno == errno.EPERM:
            return "O_NOATIME is refused here (neither the file's owner nor root)"
        raise
    return None


@pytest.fixture
def evidence(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "evidence"
    folder.mkdir()
    probe = folder / "probe"
    probe.write_bytes(b"x")
    aged(probe)
    before = probe.stat().st_atime_ns
    probe.read_bytes()
    if probe.stat().st_atime_ns == before:
        pytest.skip("this filesystem does not record access times (noatime mount)")
    picture = folder / "room.jpg"
    picture.write_bytes(jpeg_bytes(scene(3, 320, 240)))
    files = {"picture": picture, "video": clip_with_sound(folder / "clip.mp4")}
    refusal = noatime_refusal(picture)
    if refusal is not None:
        pytest.skip(refusal)
    return files


@pytest.mark.parametrize("kind", ["picture", "video"])
def test_file_clues_leave_the_access_time_alone(
    evidence: dict[str, Path], kind: str, settings: Settings, db: Database
) -> None:
    path = evidence[kind]
    atime = aged(path)
    result = Workbench(settings, db).file_clues(path)
    assert result.errors == {}
    assert path.stat().st_atime_ns == atime, f"{kind}: the clue extraction moved its atime"
    if kind == "video":  # the extractor that hands a path to ffmpeg did read the sound
        assert "enf_50hz" in {c.clue.kind for c in result.clues}


@pytest.mark.parametrize("kind", ["picture", "video"])
def test_clues_command_leaves_the_access_time_alone(
    evidence: dict[str, Path], kind: str, tmp_path: Path
) -> None:
    path = evidence[kind]
    atime = aged(path)
    result = CliRunner().invoke(
        app, ["--home", str(tmp_path / "home"), "clues", str(path), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["errors"] == {}
    assert path.stat().st_atime_ns == atime, f"{kind}: 'vidi clues' moved its atime"


def test_ffmpeg_given_the_path_itself_would_move_the_access_time(
    evidence: dict[str, Path],
) -> None:
    """Why the copy is needed, and proof that the tests above could fail."""
    video = evidence["video"]
    atime = aged(video)
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(video), "-f", "null", "-"], check=True
    )
    assert video.stat().st_atime_ns != atime
