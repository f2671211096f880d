"""The ``web`` fixture: one test bench per module, on SQLite and on PostgreSQL.

Building it (two ingests, four users) takes seconds, so a module shares one; tests
use their own browsers (cookie jars) and put the clock back when they move it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from webapp import Web, build_web

from vidi.config import load_settings

PG_ADMIN = os.environ.get(
    "VIDI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def web(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    folder = tmp_path_factory.mktemp("web")
    settings = load_settings(folder / "home", env={}).with_changes(workers=1, batch_size=50)
    if request.param == "sqlite":
        bench = build_web(settings, folder)
        yield bench
        bench.workbench.close()
        return
    with _postgres_database() as url:
        bench = build_web(settings.with_changes(database_url=url), folder)
        yield bench
        bench.workbench.close()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def web_database(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """None (the home's SQLite file), then a fresh PostgreSQL database, for one module:
    a module that builds its own bench (the live server of the browser tests) runs on both."""
    if request.param == "sqlite":
        yield None
        return
    with _postgres_database() as url:
        yield url


class _postgres_database:
    """A fresh PostgreSQL database for one module (skips, or fails under CI, without one)."""

    def __enter__(self) -> str:
        import psycopg

        self.admin = PG_ADMIN.replace("postgresql+psycopg://", "postgresql://")
        self.name = f"vidi_web_{uuid.uuid4().hex[:12]}"
        try:
            with psycopg.connect(self.admin, autocommit=True, connect_timeout=3) as connection:
                connection.execute(f'CREATE DATABASE "{self.name}"')
        except psycopg.Error as error:
            reason = f"PostgreSQL at 127.0.0.1:5432 does not answer ({error})"
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(f"CI must run the PostgreSQL tests: {reason}")
            pytest.skip(reason)
        return PG_ADMIN.rsplit("/", 1)[0] + f"/{self.name}"

    def __exit__(self, *_: object) -> None:
        import psycopg

        with psycopg.connect(self.admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
