"""Runs never stay 'running' after a failure; full disks and concurrent runs lose nothing.

Every database behaviour here is checked on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text
from typer.testing import CliRunner

from vidi.cases import create_case
from vidi.config import Settings
from vidi.errors import StorageFull
from vidi.ingest import opening
from vidi.ingest.opening import open_source
from vidi.ingest.pipeline import ingest
from vidi.ingest.runs import STALE_AFTER, this_host
from vidi.report import build_report
from vidi.store.db import Database
from vidi.store.models import IngestRun, Media, Occurrence, Source, utcnow
from vidi_testing import jpeg_bytes, scene

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Settings]:
    if request.param == "postgresql":
        settings = settings.with_changes(database_url=request.getfixturevalue("postgres_url"))
    yield settings


@pytest.fixture
def database(backend: Settings) -> Iterator[Database]:
    db = Database(backend.database_url)
    with db.session() as session:
        create_case(session, "c", None)
    yield db
    db.close()


def pictures(folder: Path, count: int = 12) -> Path:
    folder.mkdir(parents=True)
    for i in range(count):
        (folder / f"p{i:02}.jpg").write_bytes(jpeg_bytes(scene(i, 160, 120)))
    return folder


def archive(tmp_path: Path, count: int = 12) -> Path:
    path = tmp_path / "seized.zip"
    with zipfile.ZipFile(path, "w") as zipped:
        for i in range(count):
            zipped.writestr(f"p{i:02}.jpg", jpeg_bytes(scene(i, 160, 120)))
    return path


def runs(db: Database) -> list[IngestRun]:
    with db.session() as session:
        return list(session.scalars(select(IngestRun).order_by(IngestRun.id)))


def stored(db: Database) -> tuple[int, int, int]:
    with db.session() as session:
        occurrences = session.scalar(select(func.count()).select_from(Occurrence)) or 0
        media = session.scalar(select(func.count()).select_from(Media)) or 0
        sources = session.scalar(select(func.count()).select_from(Source)) or 0
    return occurrences, media, sources


def temporaries(root: Path) -> list[Path]:
    return [p for p in root.rglob(".tmp-*")] if root.exists() else []


def test_a_source_recorded_meanwhile_by_another_run_is_reused(
    tmp_path: Path, backend: Settings, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    seized = archive(tmp_path)
    real_source_id = opening._source_id
    calls = []

    def other_run_wins(db: Database, case_id: int, uri: str) -> int | None:
        calls.append(uri)
        if len(calls) == 1:  # the other run inserts between our look-up and our insert
            with db.session() as session:
                session.add(Source(case_id=case_id, uri=uri, kind="archive"))
            return None
        return real_source_id(db, case_id, uri)

    monkeypatch.setattr(opening, "_source_id", other_run_wins)
    with database.session() as session:
        case_id = session.scalar(select(IngestRun.case_id).limit(1)) or 1

    prepared = open_source(database, case_id, seized, backend)

    with database.session() as session:
        rows = session.scalars(select(Source.id)).all()
    assert rows == [prepared.source_id]
    assert len(calls) == 2


def vidi(home: Path, url: str, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "VIDI_DATABASE_URL": url, "VIDI_WORKERS": "1", "VIDI_BATCH_SIZE": "3"}
    return subprocess.Popen(
        [sys.executable, "-m", "vidi", "--home", str(home), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.slow
def test_the_same_archive_ingested_twice_at_once_is_stored_once(
    tmp_path: Path, backend: Settings, database: Database
) -> None:
    seized = archive(tmp_path, count=20)
    home = backend.home
    processes = [
        vidi(home, backend.database_url, "ingest", "--case", "c", "-q", "--no-clues", str(seized))
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=180) for p in processes]

    for process, (_out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err.decode()
        assert b"Traceback" not in err
    assert stored(database) == (20, 20, 1)
    assert [r.status for r in runs(database)] == ["finished", "finished"]


def test_a_run_that_fails_is_marked_failed_with_its_reason(
    tmp_path: Path, backend: Settings, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vidi.ingest import writer

    def broken_flush(self: object, session: object) -> None:
        raise RuntimeError("writer exploded\nsecond line")

    monkeypatch.setattr(writer.BatchWriter, "flush", broken_flush)
    with pytest.raises(RuntimeError):
        ingest(database, backend, "c", [pictures(tmp_path / "seizure")])

    [run] = runs(database)
    assert run.status == "failed"
    assert run.failure == "RuntimeError: writer exploded"
    assert run.finished_at is not None


def test_a_run_whose_process_died_is_reported_stale_and_then_interrupted(
    tmp_path: Path, backend: Settings, database: Database
) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    long_ago = utcnow() - STALE_AFTER - timedelta(minutes=1)
    with database.session() as session:
        case_id = session.scalar(text("SELECT id FROM \"case\" WHERE name = 'c'"))
        for pid, host, progress in [
            (dead.pid, this_host(), utcnow()),  # killed here
            (os.getpid(), this_host(), long_ago),  # alive here, merely slow
            (12345, "elsewhere", long_ago),  # silent on another host
            (12345, "elsewhere", utcnow()),  # busy on another host
        ]:
            session.add(IngestRun(case_id=case_id, pid=pid, host=host, progress_at=progress))

    with database.session() as session:
        report = build_report(session, "c")
    assert [r.status for r in report.runs] == ["stale", "running", "stale", "running"]
    assert "is gone or silent" in (report.runs[0].failure or "")

    ingest(database, backend, "c", [pictures(tmp_path / "seizure", 2)])

    statuses = [r.status for r in runs(database)]
    assert statuses == ["interrupted", "running", "running", "running", "finished"]


def fail_blob_fsync_after(monkeypatch: pytest.MonkeyPatch, good_calls: int) -> None:
    """The disk fills up: fsync of the n-th blob temporary reports ENOSPC."""
    real_fsync = os.fsync
    seen = []

    def fsync(fd: int) -> None:
        if ".tmp-" in os.readlink(f"/proc/self/fd/{fd}"):
            seen.append(fd)
            if len(seen) > good_calls:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def test_a_full_disk_while_writing_thumbnails_fails_the_run_cleanly_and_a_rerun_completes(
    tmp_path: Path, backend: Settings, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    seizure = pictures(tmp_path / "seizure", 12)
    settings = backend.with_changes(batch_size=3)
    fail_blob_fsync_after(monkeypatch, good_calls=5)

    with pytest.raises(StorageFull) as raised:
        ingest(database, settings, "c", [seizure])

    message = str(raised.value)
    assert "No space left on device" in message and "\n" not in message
    assert "filesystem mounted at /" in message
    assert temporaries(settings.blob_dir) == []
    [run] = runs(database)
    assert run.status == "failed" and "No space left" in (run.failure or "")

    monkeypatch.undo()
    summary = ingest(database, settings, "c", [seizure])
    assert stored(database) == (12, 12, 1)
    assert summary.files_skipped + summary.files_seen == 12
    with database.session() as session:
        thumbnails = session.scalars(select(Media.thumbnail)).all()
    assert all(t and (settings.blob_dir / t).stat().st_size > 0 for t in thumbnails)


def fill_database(db: Database, dialect: str) -> None:
    """Make the database full after a few batches, the way each engine reports it."""
    if dialect == "sqlite":

        def cap(connection, _record):  # type: ignore[no-untyped-def]
            pages = connection.execute("PRAGMA page_count").fetchone()[0]
            connection.execute(f"PRAGMA max_page_count = {pages + 2}")

        event.listen(db.engine, "connect", cap)
        db.engine.dispose()
        return
    with db.session() as session:
        session.execute(
            text(
                "CREATE FUNCTION disk_full() RETURNS trigger AS $$ BEGIN "
                "IF (SELECT count(*) FROM occurrence) >= 4 THEN RAISE EXCEPTION "
                "'could not extend file: No space left on device' USING ERRCODE = 'disk_full';"
                " END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
            )
        )
        session.execute(
            text(
                "CREATE TRIGGER disk_full BEFORE INSERT ON occurrence "
                "FOR EACH ROW EXECUTE FUNCTION disk_full()"
            )
        )


def empty_database(db: Database, dialect: str) -> None:
    if dialect == "sqlite":
        db.close()
        return
    with db.session() as session:
        session.execute(text("DROP TRIGGER disk_full ON occurrence"))


def test_a_full_database_fails_the_run_with_one_line_and_a_rerun_completes(
    tmp_path: Path, backend: Settings, database: Database
) -> None:
    seizure = pictures(tmp_path / "seizure", 40)
    settings = backend.with_changes(batch_size=3)
    dialect = database.dialect
    fill_database(database, dialect)

    with pytest.raises(StorageFull) as raised:
        ingest(database, settings, "c", [seizure])

    assert "database is full" in str(raised.value) or "disk is full" in str(raised.value)
    assert "\n" not in str(raised.value)
    empty_database(database, dialect)
    database = Database(settings.database_url)
    [run] = runs(database)
    assert run.status == "failed"
    summary = ingest(database, settings, "c", [seizure])
    assert stored(database) == (40, 40, 1)
    assert summary.files_skipped > 0
    database.close()


def test_the_command_line_says_the_disk_is_full_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vidi.cli.main import app

    home = tmp_path / "home"
    seizure = pictures(tmp_path / "seizure", 6)
    runner = CliRunner()
    env = {"VIDI_WORKERS": "1"}
    assert runner.invoke(app, ["--home", str(home), "case", "create", "c"], env=env).exit_code == 0
    fail_blob_fsync_after(monkeypatch, good_calls=2)

    result = runner.invoke(
        app,
        ["--home", str(home), "ingest", "--case", "c", "-q", "--no-clues", str(seizure)],
        env=env,
    )

    assert result.exit_code != 0
    assert "Traceback" not in result.output
    message = " ".join(result.output.split())  # the terminal may wrap the one message
    assert message.startswith("error: No space left on device"), result.output
    assert message.count("error:") == 1 and "finished work is kept" in message
    assert temporaries(home) == []
