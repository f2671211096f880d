"""Object-search tests run on SQLite and, where it answers, PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from vidi.config import Settings
from vidi.store.db import Database


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared settings with the feature stage on (it is off for other tests)."""
    return settings.with_changes(features=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(
    request: pytest.FixtureRequest, settings: Settings
) -> Iterator[tuple[Database, Settings]]:
    """A database and the settings that name it (ingest workers open it by its URL)."""
    if request.param == "sqlite":
        yield request.getfixturevalue("db"), settings
        return
    url = request.getfixturevalue("postgres_url")
    database = Database(url)
    yield database, settings.with_changes(database_url=url)
    database.close()
