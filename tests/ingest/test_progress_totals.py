"""The ingest's progress never shows more bytes done than its total, though archives expand."""

from __future__ import annotations

import zipfile
from pathlib import Path

from vidi.cases import create_case
from vidi.config import Settings
from vidi.ingest.pipeline import ingest
from vidi.store.db import Database
from vidi_testing import jpeg_bytes, scene


class RecordingProgress:
    """A FileProgress that keeps what it is told."""

    def __init__(self) -> None:
        self.total_bytes = -1
        self.done_bytes: list[int] = []  # running total after each advance
        self.files = 0
        self.finished = False

    def start(self, total_files: int, total_bytes: int) -> None:
        self.total_bytes = total_bytes

    def advance(self, files: int, nbytes: int) -> None:
        assert nbytes >= 0
        self.files += files
        self.done_bytes.append((self.done_bytes[-1] if self.done_bytes else 0) + nbytes)

    def finish(self) -> None:
        self.finished = True


def expanding_zip(path: Path, members: int, size: int) -> None:
    """A zip whose members take ``members * size`` bytes but compress to a few kilobytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for i in range(members):
            archive.writestr(f"inner/notes{i}.txt", b"benign note line\n" * (size // 17))


def test_bytes_done_never_pass_the_total_when_archives_expand(
    tmp_path: Path, settings: Settings, db: Database
) -> None:
    seizure = tmp_path / "seizure"
    seizure.mkdir()
    (seizure / "picture.jpg").write_bytes(jpeg_bytes(scene(1)))
    expanding_zip(seizure / "album.zip", members=3, size=400_000)
    lone = tmp_path / "lone.zip"  # a source that is itself an archive
    expanding_zip(lone, members=2, size=300_000)
    on_disk = sum(p.stat().st_size for p in [*seizure.iterdir(), lone])
    with db.session() as session:
        create_case(session, "op-tally", "NL")
    progress = RecordingProgress()

    summary = ingest(db, settings, "op-tally", [seizure, lone], progress)

    assert progress.total_bytes == on_disk
    assert on_disk < 3 * 400_000  # the archives do expand
    assert max(progress.done_bytes) <= progress.total_bytes
    assert progress.done_bytes[-1] == progress.total_bytes  # and the bar ends full
    assert progress.files == summary.files_seen  # members count as files
    assert progress.finished
