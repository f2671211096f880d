"""Running one chunk in a worker: the local pipeline's per-file code, on a part of a job.

A chunk is claimed (state 'running', one more attempt, this worker's name), run, then
marked done. Its counts are written with each batch, in the batch's transaction. A
worker killed mid-chunk leaves it 'running': the broker delivers it again (late
acknowledgement), and the re-run skips every place already stored, so nothing is
doubled or lost. A chunk that has killed its worker too often is failed, not retried
for ever.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from vidi.clues.runner import extract_clues
from vidi.config import Settings
from vidi.distributed.jobs import finish_if_stored
from vidi.distributed.plan import listed_items
from vidi.ingest.opening import open_source
from vidi.ingest.pipeline import IngestSummary, Runner, Storing, store_entries
from vidi.ingest.runs import failure_text
from vidi.ingest.writer import BatchWriter
from vidi.progress import NoFileProgress
from vidi.sources.enumerate import enumerate_listed
from vidi.store.db import Database
from vidi.store.models import IngestRun, Job, JobChunk, utcnow

MAX_ATTEMPTS = 5
"""Deliveries of one chunk before it is failed (a chunk that kills its worker each time)."""


@dataclass(frozen=True)
class Claim:
    chunk_id: int
    job_id: int
    kind: str
    case_id: int
    run_id: int | None
    source: str | None
    entries: list[Any] | None


def claim(db: Database, chunk_id: int, worker: str) -> Claim | None:
    """Take the chunk for this worker; None when it is done already or out of attempts."""
    with db.session() as session:
        chunk = session.get(JobChunk, chunk_id, with_for_update=True)
        if chunk is None or chunk.state == "done":
            return None
        job = session.get(Job, chunk.job_id)
        assert job is not None
        if chunk.attempts >= MAX_ATTEMPTS:
            chunk.state = "failed"
            chunk.failure = f"gave up after {chunk.attempts} attempts (each ended its worker)"
            return None
        chunk.state, chunk.attempts, chunk.worker = "running", chunk.attempts + 1, worker[:255]
        chunk.started_at, chunk.finished_at = utcnow(), None
        return Claim(
            chunk.id, job.id, job.kind, job.case_id, job.run_id, chunk.source, chunk.entries
        )


def run_chunk(db: Database, settings: Settings, chunk_id: int, worker: str) -> None:
    """Claim, run and finish one chunk of either kind; the job is finished with its last one."""
    claimed = claim(db, chunk_id, worker)
    if claimed is None:
        return
    if claimed.kind == "ingest":
        _ingest(db, settings, claimed)
    else:
        _extract(db, settings, claimed)
    finish_if_stored(db, claimed.job_id)


def fail_chunk(db: Database, chunk_id: int, error: BaseException) -> None:
    """Out of retries: the chunk is failed with why; re-running the command sends it again."""
    with db.session() as session:
        chunk = session.get(JobChunk, chunk_id)
        if chunk is not None and chunk.state != "done":
            chunk.state, chunk.failure, chunk.finished_at = "failed", failure_text(error), utcnow()


def _ingest(db: Database, settings: Settings, claimed: Claim) -> None:
    assert claimed.source is not None and claimed.run_id is not None
    source = Path(claimed.source)
    prepared = open_source(db, claimed.case_id, source, settings)
    summary = IngestSummary(run_id=claimed.run_id)
    writer = BatchWriter(prepared.source_id, claimed.case_id, claimed.run_id)
    storing = Storing(db, writer, summary, partial(_record, claimed.chunk_id))
    run_dir = settings.work_dir / f"chunk-{claimed.chunk_id}-{uuid.uuid4().hex[:12]}"
    one = settings.with_changes(workers=1)  # the worker's pool gives the parallelism
    runner = Runner(one)
    try:
        if claimed.entries is None:
            entries = prepared.entries(one, run_dir)
        else:
            items = listed_items(source, claimed.entries)
            entries = enumerate_listed(items, one.archive, run_dir / "enumerate")
        store_entries(storing, one, prepared, entries, runner, run_dir, NoFileProgress())
    finally:
        runner.close()
        shutil.rmtree(run_dir, ignore_errors=True)
    with db.session() as session:
        _record(claimed.chunk_id, session, summary)
        _done(session, claimed.chunk_id)


def _extract(db: Database, settings: Settings, claimed: Claim) -> None:
    sha256s = [str(s) for s in claimed.entries or []]
    summary = extract_clues(db, settings.with_changes(workers=1), sha256s=sha256s)
    with db.session() as session:
        chunk = session.get(JobChunk, claimed.chunk_id)
        assert chunk is not None
        chunk.files_seen, chunk.clues, chunk.errors = summary.media, summary.clues, summary.failed
        chunk.files_skipped = len(sha256s) - summary.media  # done by an earlier attempt
        _done(session, claimed.chunk_id)


def _record(chunk_id: int, session: Session, summary: IngestSummary) -> None:
    """This attempt's counts on the chunk and the run's sign of life, in the batch's transaction."""
    chunk = session.get(JobChunk, chunk_id)
    assert chunk is not None
    chunk.files_seen, chunk.files_skipped = summary.files_seen, summary.files_skipped
    chunk.bytes_seen, chunk.media_new = summary.bytes_seen, summary.media_new
    chunk.media_known, chunk.errors = summary.media_known, summary.errors
    run = session.get(IngestRun, summary.run_id)
    if run is not None:
        run.progress_at = utcnow()


def _done(session: Session, chunk_id: int) -> None:
    chunk = session.get(JobChunk, chunk_id)
    assert chunk is not None
    chunk.state, chunk.finished_at, chunk.failure = "done", utcnow(), None
