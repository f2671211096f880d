"""Shared fixtures: a Vidi home in tmp_path, databases, and generated benign pictures."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from vidi.config import Settings, load_settings
from vidi.store.db import Database
from vidi_testing import PG_ADMIN_URL, scene

# The feature stage (local features, object index, same-scene links) is off unless a
# test is about it (tests/objects, tests/cli/test_objects_cli.py switch it on): it adds
# a second of linking to every ingest of a few dozen pictures, in hundreds of tests.
os.environ.setdefault("VIDI_FEATURES", "0")

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    home = tmp_path / "home"
    return load_settings(home, env={}).with_changes(workers=1, batch_size=50, features=False)


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings.database_url)
    yield database
    database.close()


def _postgres_available() -> str | None:
    """The reason PostgreSQL cannot be used, or None when it answers."""
    try:
        import psycopg

        dsn = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        return f"PostgreSQL at 127.0.0.1:5432 does not answer ({exc.__class__.__name__}: {exc})"
    return None


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test; dropped afterwards.

    Skips (saying why) when the server does not answer; under CI=true it fails instead,
    because CI must exercise the PostgreSQL path.
    """
    reason = _postgres_available()
    if reason is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must run the PostgreSQL tests: {reason}")
        pytest.skip(reason)
    import psycopg

    name = f"vidi_test_{uuid.uuid4().hex[:12]}"
    admin = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def make_scene():
    return scene


@pytest.fixture
def shared_dir() -> Path:
    return SHARED


MISSING_TOOL_WORDS = ("not installed", "needs the")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    """Under CI a capability skipped for a missing tool is a failure, not a pass.

    Locally a missing Debian package only skips (with the reason); CI installs everything
    through ``make setup``, so there it must be present. Meta's PDQ vectors in
    ../shared/testdata are not installed by us: without them those tests skip, saying so.
    """
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI", "").lower() != "true" or not report.skipped:
        return
    reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else ""
    if any(word in reason for word in MISSING_TOOL_WORDS):
        report.outcome = "failed"
        report.longrepr = f"missing in CI (would have been skipped): {reason}"
