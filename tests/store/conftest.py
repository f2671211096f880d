"""Fixtures of the store's tests."""

from __future__ import annotations

import pytest

from vidi.config import Settings


@pytest.fixture(params=["sqlite", "postgresql"])
def migration_url(request: pytest.FixtureRequest, settings: Settings) -> str:
    """An empty database to run migrations in: SQLite, then PostgreSQL (limits and
    schema must be the same on both)."""
    if request.param == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    return settings.database_url
