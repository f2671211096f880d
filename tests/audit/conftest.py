"""Each audit test runs on SQLite and on PostgreSQL, in a home that keeps the anchor."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from vidi.config import Settings
from vidi.store.db import Database


@pytest.fixture(params=["sqlite", "postgresql"])
def audit_settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    if request.param == "sqlite":
        return settings
    return settings.with_changes(database_url=request.getfixturevalue("postgres_url"))


@pytest.fixture
def audit_db(audit_settings: Settings) -> Iterator[Database]:
    database = Database(audit_settings.database_url, audit_anchor=audit_settings.audit_anchor)
    yield database
    database.close()
