"""A distributed job's record: planned into chunks, followed, finished — all in the database.

The broker carries only (job, chunk) ids. Creating a job writes its run, its job row
and every chunk in one transaction before a single message is sent; re-running the
same command finds the unfinished job and sends its undone chunks again. A chunk is
done when its worker says so in the database, so the broker's state never matters.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vidi import audit
from vidi.cases import get_case
from vidi.clues.registry import enabled_extractors
from vidi.clues.runner import ExtractionSummary, pending_media
from vidi.config import Settings
from vidi.distributed.plan import PlannedChunk, ingest_chunks, media_chunks
from vidi.distributed.results import JobInfo
from vidi.errors import SourceError
from vidi.ingest.opening import open_source
from vidi.ingest.pipeline import IngestSummary, filesystem_totals
from vidi.store.db import Database
from vidi.store.models import Case, IngestRun, Job, JobChunk, Source, utcnow

EXTRACT_CHUNK = 200
"""Media in one extraction chunk, at most (OCR takes about a second a picture)."""
POLL_S = 0.5


def find_unfinished(db: Database, kind: str, case: str, paths: Sequence[str]) -> int | None:
    """The latest job of this kind, case and paths that has not finished, if any."""
    with db.session() as session:
        case_id = get_case(session, case).id
        jobs = session.scalars(
            select(Job)
            .where(Job.kind == kind, Job.case_id == case_id, Job.state != "finished")
            .order_by(Job.id.desc())
        )
        return next((job.id for job in jobs if list(job.paths) == list(paths)), None)


def create_ingest_job(db: Database, settings: Settings, case: str, paths: Sequence[Path]) -> int:
    """Record the sources, a run, the job and its chunks; nothing is sent yet."""
    for path in paths:
        if not path.exists():
            raise SourceError(f"{path} does not exist; give a folder, a file or an archive")
    with db.session() as session:
        case_id = get_case(session, case).id
    for path in paths:
        open_source(db, case_id, path, settings)
    planned = [c for path in paths for c in ingest_chunks(path, settings.chunk_files)]
    files, nbytes = filesystem_totals(paths)
    with db.session() as session:
        run = IngestRun(case_id=case_id, paths=[str(p) for p in paths], pid=os.getpid())
        session.add(run)
        session.flush()
        job = _add_job(session, "ingest", case_id, [str(p) for p in paths], planned, run.id)
        job.files, job.bytes = files, nbytes
        # The run belongs to the job, not this process: named so, it is never taken for
        # the leftover of a killed local run (see vidi.ingest.runs).
        run.host, run.progress_at = f"distributed job {job.id}", utcnow()
        audit.record(
            session,
            "ingest.start",
            f"case:{case}",
            {"run": run.id, "job": job.id, "paths": [str(p) for p in paths]},
        )
        return job.id


def create_extract_job(db: Database, settings: Settings, case: str) -> int:
    """A job over the case's media still lacking a clue extractor's result, review order."""
    with db.session() as session:
        case_id = get_case(session, case).id
        pending = pending_media(session, enabled_extractors(settings), case_id)
        size = min(settings.chunk_files, EXTRACT_CHUNK)
        planned = list(media_chunks([sha for sha, _ in pending], size))
        job = _add_job(session, "extract", case_id, [], planned, None)
        job.files = len(pending)
        return job.id


def _add_job(
    session: Session,
    kind: str,
    case_id: int,
    paths: list[str],
    planned: list[PlannedChunk],
    run_id: int | None,
) -> Job:
    job = Job(kind=kind, case_id=case_id, paths=paths, run_id=run_id, chunks=len(planned))
    job.state, job.files, job.bytes = "running", 0, 0
    session.add(job)
    session.flush()
    session.add_all(
        JobChunk(
            job_id=job.id,
            seq=seq,
            source=chunk.source,
            entries=chunk.entries,
            files=chunk.files,
            bytes=chunk.bytes,
            state="pending",
            attempts=0,
        )
        for seq, chunk in enumerate(planned)
    )
    return job


def undone_chunks(db: Database, job_id: int) -> list[int]:
    """The chunks to send (again): every one not done; a failed one gets fresh attempts."""
    with db.session() as session:
        chunks = list(
            session.scalars(
                select(JobChunk)
                .where(JobChunk.job_id == job_id, JobChunk.state != "done")
                .order_by(JobChunk.seq)
            )
        )
        for chunk in chunks:
            if chunk.state == "failed":
                chunk.state, chunk.attempts, chunk.failure = "pending", 0, None
        return [chunk.id for chunk in chunks]


def job_info(db: Database, job_id: int) -> JobInfo:
    with db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return _info(session, job)


def list_jobs(db: Database, case: str | None = None, limit: int = 20) -> list[JobInfo]:
    """The latest jobs, newest first (of one case, when named)."""
    with db.session() as session:
        query = select(Job).order_by(Job.id.desc()).limit(limit)
        if case is not None:
            query = query.where(Job.case_id == get_case(session, case).id)
        return [_info(session, job) for job in session.scalars(query)]


def _info(session: Session, job: Job) -> JobInfo:
    by_state = dict(
        session.execute(  # type: ignore[arg-type]
            select(JobChunk.state, func.count())
            .where(JobChunk.job_id == job.id)
            .group_by(JobChunk.state)
        ).all()
    )
    done_bytes = session.scalar(
        select(func.coalesce(func.sum(JobChunk.bytes), 0)).where(
            JobChunk.job_id == job.id, JobChunk.state == "done"
        )
    )
    files_done = session.scalar(
        select(func.coalesce(func.sum(JobChunk.files_seen + JobChunk.files_skipped), 0)).where(
            JobChunk.job_id == job.id
        )
    )
    failure = session.scalar(
        select(JobChunk.failure)
        .where(JobChunk.job_id == job.id, JobChunk.state == "failed")
        .order_by(JobChunk.seq)
        .limit(1)
    )
    case_name = session.scalar(select(Case.name).where(Case.id == job.case_id))
    return JobInfo(
        id=job.id,
        kind=job.kind,
        case=case_name or "",
        state=job.state,
        paths=tuple(job.paths),
        chunks=job.chunks,
        chunks_done=by_state.get("done", 0),
        chunks_running=by_state.get("running", 0),
        chunks_failed=by_state.get("failed", 0),
        files=job.files,
        files_done=int(files_done or 0),
        bytes=job.bytes,
        bytes_done=min(int(done_bytes or 0), job.bytes),
        created_at=job.created_at,
        finished_at=job.finished_at,
        failure=failure,
    )


def wait_for(
    db: Database, job_id: int, on_change: Callable[[JobInfo], None], poll_s: float = POLL_S
) -> JobInfo:
    """Poll the job's chunks until each is done, or every one left has failed."""
    last = None
    while True:
        info = job_info(db, job_id)
        if info != last:
            on_change(info)
            last = info
        if info.all_done or info.stuck:
            return info
        time.sleep(poll_s)


def finish_if_stored(db: Database, job_id: int) -> bool:
    """Once every chunk is done: the sources complete, the run finished, the job 'stored'.

    Called by the worker that finishes a chunk and by whoever waits; the job row is
    locked, so it happens once.
    """
    with db.session() as session:
        job = session.get(Job, job_id, with_for_update=True)
        if job is None or job.state != "running":
            return job is not None
        undone = session.scalar(
            select(func.count()).where(JobChunk.job_id == job_id, JobChunk.state != "done")
        )
        if undone:
            return False
        job.state = "stored"
        if job.kind == "ingest":
            _finish_run(session, job)
        else:
            job.state, job.finished_at = "finished", utcnow()
        return True


def _finish_run(session: Session, job: Job) -> None:
    now = utcnow()
    session.query(Source).filter(Source.case_id == job.case_id, Source.uri.in_(job.paths)).update(
        {Source.completed_at: now}, synchronize_session=False
    )
    run = session.get(IngestRun, job.run_id) if job.run_id is not None else None
    if run is None:
        return
    summary = ingest_summary(session, job)
    run.status, run.finished_at, run.progress_at = "finished", now, now
    run.files_seen, run.files_skipped = summary.files_seen, summary.files_skipped
    run.bytes_seen, run.media_new, run.errors = (
        summary.bytes_seen,
        summary.media_new,
        summary.errors,
    )
    run.elapsed_s = summary.elapsed_s
    case_name = session.scalar(select(Case.name).where(Case.id == job.case_id))
    audit.record(
        session,
        "ingest.finish",
        f"case:{case_name}",
        {
            "run": run.id,
            "job": job.id,
            "files": summary.files_seen,
            "media_new": summary.media_new,
            "errors": summary.errors,
            "skipped": summary.files_skipped,
        },
    )


def ingest_summary(session: Session, job: Job) -> IngestSummary:
    """The job's counts, summed over its chunks (a re-run chunk counts its last attempt)."""
    sums = session.execute(
        select(
            func.coalesce(func.sum(JobChunk.files_seen), 0),
            func.coalesce(func.sum(JobChunk.files_skipped), 0),
            func.coalesce(func.sum(JobChunk.bytes_seen), 0),
            func.coalesce(func.sum(JobChunk.media_new), 0),
            func.coalesce(func.sum(JobChunk.media_known), 0),
            func.coalesce(func.sum(JobChunk.errors), 0),
            func.max(JobChunk.finished_at),
        ).where(JobChunk.job_id == job.id)
    ).one()
    summary = IngestSummary(run_id=job.run_id or 0)
    summary.files_seen, summary.files_skipped, summary.bytes_seen = sums[0], sums[1], int(sums[2])
    summary.media_new, summary.media_known, summary.errors = sums[3], sums[4], sums[5]
    summary.elapsed_s = _seconds(job.created_at, sums[6])
    return summary


def extraction_summary(db: Database, job_id: int) -> ExtractionSummary:
    with db.session() as session:
        sums = session.execute(
            select(
                func.coalesce(func.sum(JobChunk.files_seen), 0),
                func.coalesce(func.sum(JobChunk.clues), 0),
                func.coalesce(func.sum(JobChunk.errors), 0),
            ).where(JobChunk.job_id == job_id)
        ).one()
    return ExtractionSummary(media=sums[0], clues=sums[1], failed=sums[2])


def stored_summary(db: Database, job_id: int) -> IngestSummary:
    with db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return ingest_summary(session, job)


def mark_finished(db: Database, job_id: int) -> None:
    with db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        job.state, job.finished_at = "finished", utcnow()


def _seconds(start: datetime, end: datetime | None) -> float:
    if end is None:
        return 0.0
    if (start.tzinfo is None) != (end.tzinfo is None):  # SQLite hands back naive datetimes
        start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)
    return max(0.0, (end - start).total_seconds())
