"""Ingest a seizure: every file accounted for, unique content stored once.

The main process enumerates sources and writes to the database; a pool of worker
processes reads, hashes, decodes and fingerprints. Work is submitted with a bounded
number of files in flight, so memory stays flat on a collection of millions of files.
A file whose place is already stored is skipped without being read: that is what makes
a second run cheap and a killed run resumable.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from vidi import audit
from vidi.cases import get_case
from vidi.config import Settings
from vidi.errors import SourceError
from vidi.ingest.opening import OpenedSource, open_source
from vidi.ingest.runs import fail_run, mark_dead_runs, this_host
from vidi.ingest.worker import (
    FileResult,
    Task,
    WorkerContext,
    init_worker,
    process_file,
    remove_spilled,
    run_tasks,
)
from vidi.ingest.writer import BatchCounts, BatchWriter, done_keys
from vidi.matching.audio_index import store_track_codes
from vidi.progress import FileProgress, NoFileProgress
from vidi.sources.base import Entry, Refused
from vidi.sources.streams import noatime_refusals
from vidi.store.db import Database
from vidi.store.models import IngestRun, Source, utcnow
from vidi.store.statistics import WRITER_STATISTICS

CHUNK = 256
CHUNK_TASKS = 16
"""Files sent to a worker in one round trip."""
CHUNK_BYTES = 32 * 1024 * 1024
"""In-memory archive members sent in one round trip, at most (bytes)."""


@dataclass
class IngestSummary:
    run_id: int
    files_seen: int = 0
    files_skipped: int = 0
    bytes_seen: int = 0
    media_new: int = 0
    media_known: int = 0
    errors: int = 0
    elapsed_s: float = 0.0
    atime_fallbacks: int = 0
    """Evidence opens that could not use O_NOATIME (see docs/reliability.md)."""

    def add(self, counts: BatchCounts) -> None:
        self.files_seen += counts.files
        self.bytes_seen += counts.bytes
        self.media_new += counts.media_new
        self.media_known += counts.media_known
        self.errors += counts.errors


def filesystem_totals(paths: Iterable[Path]) -> tuple[int, int]:
    """Files and bytes on disk under the paths: the progress bar's totals."""
    files = nbytes = 0
    for path in paths:
        if path.is_file():
            files, nbytes = files + 1, nbytes + path.stat().st_size
            continue
        for root, _dirs, names in os.walk(path):
            for name in names:
                try:
                    nbytes += os.lstat(os.path.join(root, name)).st_size
                    files += 1
                except OSError:
                    continue
    return files, nbytes


class Runner:
    """Runs tasks inline (one worker) or in a process pool, with bounded work in flight."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.pool: ProcessPoolExecutor | None = None
        self.inline: WorkerContext | None = None
        if settings.workers > 1:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["vidi.ingest.worker"])
            self.pool = ProcessPoolExecutor(
                settings.workers,
                mp_context=context,
                initializer=init_worker,
                initargs=(settings, os.getpid()),
            )
        else:
            self.inline = WorkerContext(settings)
        self.limit = max(2, settings.workers * 3)
        self.pending: set[Future[list[FileResult]]] = set()
        self.buffer: list[Task] = []
        self.buffered_bytes = 0

    def submit(self, task: Task) -> Iterator[FileResult]:
        """Queue a task; yields results that are ready (blocking while too many are in flight).

        Tasks travel to the workers in small chunks: one round trip per file would cost
        more than hashing a small file.
        """
        if self.inline is not None:
            yield process_file(task, self.inline)
            return
        self.buffer.append(task)
        self.buffered_bytes += len(task.data or b"")
        if len(self.buffer) >= CHUNK_TASKS or self.buffered_bytes >= CHUNK_BYTES:
            self._send()
        while len(self.pending) >= self.limit:
            yield from self._collect()

    def _send(self) -> None:
        if self.buffer:
            assert self.pool is not None
            self.pending.add(self.pool.submit(run_tasks, self.buffer))
            self.buffer, self.buffered_bytes = [], 0

    def drain(self) -> Iterator[FileResult]:
        self._send()
        while self.pending:
            yield from self._collect()

    def _collect(self) -> Iterator[FileResult]:
        done, self.pending = wait(self.pending, return_when=FIRST_COMPLETED)
        for future in done:
            yield from future.result()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


def ingest(
    db: Database,
    settings: Settings,
    case_name: str,
    paths: list[Path],
    progress: FileProgress | None = None,
) -> IngestSummary:
    """Ingest PATHS into the case; resumable and idempotent. Returns what was done.

    This stage stores files and media only; matching and clue extraction are the next
    stages, run in order by :meth:`vidi.workbench.Workbench.ingest`.
    """
    progress = progress or NoFileProgress()
    paths = [p.expanduser().resolve() for p in paths]
    for path in paths:
        if not path.exists():
            raise SourceError(f"{path} does not exist; give a folder, a file or an archive")
    started = time.perf_counter()
    with db.session() as session:
        case = get_case(session, case_name)
        mark_dead_runs(session, case.id)
        run = IngestRun(
            case_id=case.id,
            paths=[str(p) for p in paths],
            pid=os.getpid(),
            host=this_host(),
            progress_at=utcnow(),
        )
        session.add(run)
        session.flush()
        audit.record(
            session,
            "ingest.start",
            f"case:{case.name}",
            {"run": run.id, "paths": [str(p) for p in paths]},
        )
        summary = IngestSummary(run_id=run.id)
        case_id = case.id
    try:
        _run(db, settings, case_id, paths, summary, progress)
        summary.elapsed_s = time.perf_counter() - started
        _finish_run(db, summary, case_name)
    except BaseException as error:
        fail_run(db, summary.run_id, error)
        raise
    return summary


def _run(
    db: Database,
    settings: Settings,
    case_id: int,
    paths: list[Path],
    summary: IngestSummary,
    progress: FileProgress,
) -> None:
    """Every source of the run through the workers; scratch files go whatever happens."""
    run_dir = settings.work_dir / f"run-{summary.run_id}"
    refusals = noatime_refusals()
    totals = [filesystem_totals([path]) for path in paths]
    progress.start(sum(files for files, _ in totals), sum(nbytes for _, nbytes in totals))
    runner = Runner(settings)
    try:
        for path, (_files, on_disk) in zip(paths, totals, strict=True):
            within = BytesOnDisk(progress, on_disk)
            _ingest_source(db, settings, case_id, path, summary, runner, run_dir, within)
            within.finish()
    finally:
        runner.close()
        shutil.rmtree(run_dir, ignore_errors=True)
        progress.finish()
        summary.atime_fallbacks += noatime_refusals() - refusals


def _ingest_source(
    db: Database,
    settings: Settings,
    case_id: int,
    path: Path,
    summary: IngestSummary,
    runner: Runner,
    run_dir: Path,
    progress: FileProgress,
) -> None:
    prepared: OpenedSource = open_source(db, case_id, path, settings)
    storing = Storing(db, BatchWriter(prepared.source_id, case_id, summary.run_id), summary)
    entries = prepared.entries(settings, run_dir)
    store_entries(storing, settings, prepared, entries, runner, run_dir, progress)
    with db.session() as session:
        source = session.get(Source, prepared.source_id)
        assert source is not None
        source.completed_at = utcnow()


def record_run(session: Session, summary: IngestSummary) -> None:
    """The run's counts so far, written in the transaction of each batch."""
    run = session.get(IngestRun, summary.run_id)
    assert run is not None
    run.files_seen, run.bytes_seen = summary.files_seen, summary.bytes_seen
    run.media_new, run.errors = summary.media_new, summary.errors
    run.files_skipped = summary.files_skipped
    run.atime_fallbacks = summary.atime_fallbacks
    run.progress_at = utcnow()


@dataclass
class Storing:
    """Where a source's results go: the writer, the counts, and how each batch records them.

    A local run records its counts on its ``ingest_run`` row; a distributed chunk on its
    ``job_chunk`` row (:mod:`vidi.distributed`), in the same transaction as the batch.
    """

    db: Database
    writer: BatchWriter
    summary: IngestSummary
    record: Callable[[Session, IngestSummary], None] = record_run

    def flush(self) -> None:
        if not len(self.writer):
            return
        tracks = [
            r.media.digest.sha256
            for r in self.writer.results
            if r.media is not None and r.media.audio is not None
        ]
        with self.db.session() as session:
            counts = self.writer.flush(session)
            self.summary.add(counts)
            store_track_codes(session, tracks)  # the audio-link index, with the prints
            self.record(session, self.summary)
        WRITER_STATISTICS.wrote(self.db, counts.files + counts.errors)


def store_entries(
    storing: Storing,
    settings: Settings,
    prepared: OpenedSource,
    entries: Iterator[Entry | Refused],
    runner: Runner,
    run_dir: Path,
    progress: FileProgress,
) -> None:
    """Entries of a source through the workers and the writer; those already stored are skipped.

    The one per-file path of ingest: a local run gives it a whole source, a distributed
    chunk some of a source's places (or one archive).
    """
    db, writer, summary = storing.db, storing.writer, storing.summary
    while chunk := _next_chunk(db, prepared, entries, run_dir, summary, progress):
        with db.session() as session:
            done = done_keys(session, prepared.source_id, (e.key for e, _ in chunk))
        for item, task in chunk:
            if item.key in done:
                summary.files_skipped += 1
                _advance(progress, item)
                if task is not None:
                    remove_spilled(task)
                continue
            if isinstance(item, Refused) or task is None:
                writer.add(item)  # type: ignore[arg-type]
                if len(writer) >= settings.batch_size:
                    storing.flush()
                continue
            for result in runner.submit(task):
                _collect(storing, result, progress, settings)
    for result in runner.drain():
        _collect(storing, result, progress, settings)
    storing.flush()


Item = tuple[Entry | Refused, Task | None]


def _next_chunk(
    db: Database,
    prepared: OpenedSource,
    entries: Iterator[Entry | Refused],
    run_dir: Path,
    summary: IngestSummary,
    progress: FileProgress,
) -> list[Item]:
    """The next entries with their tasks.

    An archive member must be read before the listing moves on (its scratch copy may
    go), so it is checked and read at once; files on disk wait for a batched check.
    """
    chunk: list[Item] = []
    for item in entries:
        if isinstance(item, Entry) and item.disk_path is None:
            with db.session() as session:
                if done_keys(session, prepared.source_id, [item.key]):
                    summary.files_skipped += 1
                    _advance(progress, item)
                    continue
            chunk.append(_member_task(prepared, item, run_dir))
        else:
            chunk.append(
                (item, prepared.task_for(item, run_dir) if isinstance(item, Entry) else None)
            )
        if len(chunk) >= CHUNK:
            break
    return chunk


def _member_task(prepared: OpenedSource, entry: Entry, run_dir: Path) -> Item:
    try:
        return entry, prepared.task_for(entry, run_dir)
    except (SourceError, OSError) as exc:
        reason = (exc.reason if isinstance(exc, SourceError) else None) or "unreadable-entry"
        return Refused(entry.path, entry.archive_chain, reason, str(exc), "digest"), None


def _advance(progress: FileProgress, item: Entry | Refused) -> None:
    on_disk = isinstance(item, Entry) and item.disk_path is not None
    progress.advance(1, item.size if on_disk and isinstance(item, Entry) else 0)


class BytesOnDisk:
    """One source's progress in bytes on disk, so the bar never shows more done than its total.

    The total is what the sources take on disk, and archives expand: their members count
    as files but not bytes, and what the source has left (its archives, files that could
    not be read) is counted when the source is done. A file that grew since it was
    measured counts no more than the source's size.
    """

    def __init__(self, progress: FileProgress, on_disk: int) -> None:
        self.progress = progress
        self.left = on_disk

    def start(self, total_files: int, total_bytes: int) -> None:
        raise NotImplementedError("the run starts the progress, not a source")

    def advance(self, files: int, nbytes: int) -> None:
        counted = min(nbytes, self.left)
        self.left -= counted
        self.progress.advance(files, counted)

    def finish(self) -> None:
        if self.left:
            self.progress.advance(0, self.left)
        self.left = 0


def _collect(
    storing: Storing, result: FileResult, progress: FileProgress, settings: Settings
) -> None:
    remove_spilled(result.task)
    storing.summary.atime_fallbacks += result.atime_fallbacks
    storing.writer.add(result)
    progress.advance(1, 0 if result.task.archive_chain else result.task.size)  # see BytesOnDisk
    if len(storing.writer) >= settings.batch_size:
        storing.flush()


def _finish_run(db: Database, summary: IngestSummary, case_name: str) -> None:
    with db.session() as session:
        run = session.get(IngestRun, summary.run_id)
        assert run is not None
        run.status = "finished"
        run.finished_at = utcnow()
        run.elapsed_s = summary.elapsed_s
        run.files_skipped = summary.files_skipped
        run.atime_fallbacks = summary.atime_fallbacks
        run.progress_at = utcnow()
        audit.record(
            session,
            "ingest.finish",
            f"case:{case_name}",
            {
                "run": run.id,
                "files": summary.files_seen,
                "media_new": summary.media_new,
                "errors": summary.errors,
                "skipped": summary.files_skipped,
            },
        )
