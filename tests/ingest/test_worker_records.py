"""The worker → writer hand-off: typed records, reasons as attributes, no rows by name."""

from __future__ import annotations

import pickle
from pathlib import Path

from vidi.config import Settings
from vidi.ingest.records import FileError, MediaRecord
from vidi.ingest.worker import FileResult, Task, WorkerContext, process_file
from vidi.store.db import Database
from vidi_testing import jpeg_bytes, scene


def _task(path: Path) -> Task:
    size = path.stat().st_size
    return Task(key=path.name, path=path.name, archive_chain=(), disk_path=str(path), size=size)


def test_the_worker_hands_the_writer_typed_records_that_cross_processes(
    tmp_path: Path, settings: Settings, db: Database
) -> None:
    good, bad = tmp_path / "good.jpg", tmp_path / "bad.jpg"
    good.write_bytes(jpeg_bytes(scene(6)))
    bad.write_bytes(jpeg_bytes(scene(7))[:300])
    context = WorkerContext(settings)
    stored = process_file(_task(good), context)
    failed = process_file(_task(bad), context)

    assert isinstance(stored.media, MediaRecord) and stored.media.picture is not None
    assert stored.media.thumbnail is not None and stored.error is None
    assert failed.media is None and failed.digest is not None
    assert isinstance(failed.error, FileError)
    assert (failed.error.stage, failed.error.reason) == ("decode", "corrupt-image")
    for result in (stored, failed):
        assert pickle.loads(pickle.dumps(result)) == result
    assert isinstance(stored, FileResult)
