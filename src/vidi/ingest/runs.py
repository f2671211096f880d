"""The ingest run's record: who runs it, how far it got, and why it ended.

A run is 'running' only while its process lives. Any failure the process sees marks
the run 'failed' with a one-line reason; a process that dies without seeing it
(SIGKILL, power cut) leaves the row 'running', and the pid, host and last progress
recorded here let the report call it stale and the next run call it interrupted.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vidi.errors import VidiError
from vidi.store.db import Database
from vidi.store.models import IngestRun, utcnow

STALE_AFTER = timedelta(hours=1)
"""A run on another host that stored nothing for this long is reported stale."""
MAX_FAILURE_CHARS = 500


def this_host() -> str:
    return socket.gethostname()[:255]


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, owned by someone else
    return True


def is_stale(run: IngestRun, now: datetime | None = None) -> bool:
    """True for a 'running' run whose process is gone (this host) or silent (elsewhere)."""
    if run.status != "running":
        return False
    if run.pid is None:
        return True  # recorded before runs named their process; nothing can still hold it
    if run.host == this_host():
        return not process_alive(run.pid)
    last = run.progress_at or run.started_at
    if last.tzinfo is None:  # SQLite hands back naive datetimes
        last = last.replace(tzinfo=UTC)
    return (now or utcnow()) - last > STALE_AFTER


def mark_dead_runs(session: Session, case_id: int) -> None:
    """Runs of the case left 'running' by a process that is gone become 'interrupted'.

    A run whose process still lives (a concurrent ingest) is left alone; the new run
    picks up whatever a dead one left.
    """
    running = select(IngestRun).where(IngestRun.case_id == case_id, IngestRun.status == "running")
    for run in session.scalars(running):
        if run.pid is None or (run.host == this_host() and not process_alive(run.pid)):
            run.status = "interrupted"
            run.failure = run.failure or "the process running it ended without finishing"


def failure_text(error: BaseException) -> str:
    """One line saying why a run stopped."""
    if isinstance(error, KeyboardInterrupt):
        return "stopped by the user (interrupt)"
    text = str(error) if isinstance(error, VidiError) else f"{type(error).__name__}: {error}"
    first = text.strip().splitlines()[0] if text.strip() else type(error).__name__
    return first[:MAX_FAILURE_CHARS]


def fail_run(db: Database, run_id: int, error: BaseException) -> None:
    """Mark the run failed with why; best effort, since the database may be what failed.

    If even this cannot be written, the row stays 'running' and the report shows it
    stale once the process has gone.
    """
    try:
        with db.session() as session:
            run = session.get(IngestRun, run_id)
            if run is not None and run.status == "running":
                run.status = "failed"
                run.failure = failure_text(error)
                run.finished_at = utcnow()
    except Exception as exc:  # noqa: BLE001 - the original error is what the user must see
        logging.getLogger(__name__).warning("run %s could not be marked failed: %s", run_id, exc)
