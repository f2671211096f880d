"""Helpers for the distributed tests: settings for a worker, rows to compare, waiting."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from vidi.config import Settings, load_settings
from vidi.store.db import Database

REDIS_URL = "redis://127.0.0.1:6379/9"
PG_ADMIN_URL = os.environ.get(
    "VIDI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def distributed_env(home: Path, database_url: str, queue: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "VIDI_HOME": str(home),
        "VIDI_DATABASE_URL": database_url,
        "VIDI_BROKER_URL": REDIS_URL,
        "VIDI_BROKER_QUEUE": queue,
        "VIDI_CHUNK_FILES": "4",
        "VIDI_BATCH_SIZE": "3",
        "VIDI_EXTRACTORS": "",
        **extra,
    }


def settings_of(env: dict[str, str]) -> Settings:
    return load_settings(env["VIDI_HOME"], env=env)


def stored_rows(database_url: str) -> dict[str, list[tuple[object, ...]]]:
    """What an ingest stored, without ids, times or run numbers: rows to compare."""
    from sqlalchemy import text

    database = Database(database_url)
    queries = {
        "occurrence": "SELECT path, path_key, size, sha256, md5, file_type, media_sha256 "
        "FROM occurrence ORDER BY path_key",
        "media": "SELECT sha256, md5, sha1, media_type, format, width, height, pdq, "
        "pdq_quality, thumbnail FROM media ORDER BY sha256",
        "ingest_error": "SELECT path, path_key, stage, reason FROM ingest_error "
        "ORDER BY path_key, stage",
    }
    try:
        with database.session() as session:
            return {
                table: [tuple(row) for row in session.execute(text(sql))]
                for table, sql in queries.items()
            }
    finally:
        database.close()


def wait_until(condition: Callable[[], bool], timeout_s: float = 300, what: str = "") -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)
