"""How ``vidi serve`` runs the app: one uvicorn process, or several worker processes.

With ``--workers N`` above 1, uvicorn starts N processes that each import
:func:`app_from_environment`, which opens the Workbench on ``VIDI_HOME`` (the CLI sets it
to the home it opened; the database URL and other ``VIDI_*`` settings are inherited the
same way). Every piece of web state (sessions, throttling, exposure counters) lives in
the database, so any process can answer any request.
"""

from __future__ import annotations

import os

from fastapi import FastAPI

MAX_AUTO_WORKERS = 4


def default_workers(database_url: str) -> int:
    """The worker processes ``vidi serve`` starts unless told: one per CPU core, up to
    MAX_AUTO_WORKERS, on PostgreSQL; one on SQLite, which takes one writer at a time
    (more processes would only queue on the file's lock)."""
    if database_url.startswith("sqlite"):
        return 1
    return max(1, min(MAX_AUTO_WORKERS, os.cpu_count() or 1))


def app_from_environment() -> FastAPI:
    """The app of one worker process (uvicorn's factory)."""
    from vidi.web import create_app
    from vidi.workbench import Workbench

    return create_app(Workbench.open())
