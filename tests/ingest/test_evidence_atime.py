"""Ingest and clue extraction leave every evidence file's access time as it was."""

from __future__ import annotations

import errno
import io
import os
import shutil
import tarfile
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from vidi.cases import create_case
from vidi.clues.runner import extract_clues
from vidi.config import Settings
from vidi.ingest.pipeline import ingest
from vidi.report import build_report
from vidi.store.db import Database
from vidi.store.models import IngestRun, Media
from vidi_testing import clip_with_sound, jpeg_bytes, scene

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")

OLD = 1_577_836_800  # 2020-01-01: older than mtime, so relatime would bump it on any read


def make_evidence(root: Path) -> list[Path]:
    """A folder (pictures, a video, a zip, a tar, a note), a lone zip and a lone video."""
    folder = root / "seizure"
    (folder / "sub").mkdir(parents=True)
    for i in range(3):
        (folder / f"p{i}.jpg").write_bytes(jpeg_bytes(scene(i, 320, 240)))
    png = io.BytesIO()
    scene(9, 200, 150).save(png, "PNG")
    (folder / "sub" / "picture.png").write_bytes(png.getvalue())
    (folder / "sub" / "notes.txt").write_text("a note\n")
    clip_with_sound(folder / "sub" / "clip.mp4")
    with zipfile.ZipFile(folder / "album.zip", "w") as archive:
        archive.writestr("in/a.jpg", jpeg_bytes(scene(20, 320, 240)))
        archive.write(folder / "sub" / "clip.mp4", "in/clip-copy.mp4")
    with tarfile.open(folder / "sub" / "album.tar", "w") as archive:
        archive.add(folder / "p0.jpg", "t/p0-again.jpg")
        data = jpeg_bytes(scene(21, 320, 240))
        info = tarfile.TarInfo("t/b.jpg")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    lone_zip = root / "lone.zip"
    with zipfile.ZipFile(lone_zip, "w") as archive:
        archive.writestr("c.jpg", jpeg_bytes(scene(30, 320, 240)))
    lone_video = clip_with_sound(root / "lone.mp4")
    return [folder, lone_zip, lone_video]


def evidence_files(sources: list[Path]) -> list[Path]:
    files = [p for p in sources if p.is_file()]
    for source in sources:
        if source.is_dir():
            files += sorted(p for p in source.rglob("*") if p.is_file())
    return files


def age_atimes(files: list[Path]) -> None:
    for path in files:
        os.utime(path, (OLD, path.stat().st_mtime))


def bumped(files: list[Path]) -> list[str]:
    return [p.name for p in files if p.stat().st_atime != OLD]


def atimes_are_observable(tmp_path: Path) -> bool:
    probe = tmp_path / "probe"
    probe.write_bytes(b"x")
    os.utime(probe, (OLD, probe.stat().st_mtime))
    probe.read_bytes()
    return probe.stat().st_atime != OLD


@pytest.fixture
def evidence(tmp_path: Path) -> list[Path]:
    if not atimes_are_observable(tmp_path):
        pytest.skip("this filesystem does not record access times (noatime mount)")
    sources = make_evidence(tmp_path / "evidence")
    age_atimes(evidence_files(sources))
    return sources


@pytest.mark.slow
def test_ingest_and_extraction_leave_every_access_time_unchanged(
    tmp_path: Path, settings: Settings, db: Database, evidence: list[Path]
) -> None:
    files = evidence_files(evidence)
    settings = settings.with_changes(workers=2, extractors=("exif", "barcode", "hum", "speech"))
    inline = settings.with_changes(workers=1)
    with db.session() as session:
        case_id = create_case(session, "atime", None).id

    summary = ingest(db, settings, "atime", evidence)
    assert summary.files_seen >= 12 and summary.media_new >= 8
    with db.session() as session:
        videos = session.scalars(select(Media).where(Media.media_type == "video")).all()
        assert videos and all(v.thumbnail for v in videos)  # the decoders really ran
    assert bumped(files) == []

    extraction = extract_clues(db, inline, case_id=case_id)
    assert extraction.media >= 8
    assert bumped(files) == []
    assert summary.atime_fallbacks == 0


def test_where_noatime_is_refused_files_are_still_read_and_the_run_says_so(
    tmp_path: Path,
    settings: Settings,
    db: Database,
    evidence: list[Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = evidence_files(evidence)
    real_open = os.open

    def refuse_noatime(path, flags, *args, **kwargs):  # type: ignore[no-untyped-def]
        if flags & os.O_NOATIME:
            raise PermissionError(errno.EPERM, "Operation not permitted", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse_noatime)
    with db.session() as session:
        create_case(session, "atime", None)

    summary = ingest(db, settings.with_changes(workers=1), "atime", evidence)

    assert summary.errors == 0 and summary.media_new >= 8
    assert summary.atime_fallbacks >= len(files)
    assert bumped(files), "plain opens were used, so access times did change"
    with db.session() as session:
        run = session.get(IngestRun, summary.run_id)
        assert run is not None and run.atime_fallbacks == summary.atime_fallbacks
        report = build_report(session, "atime")
    assert report.runs[-1].atime_fallbacks == summary.atime_fallbacks
