"""A Workbench with a case holding one picture, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from pictures import metadata_jpeg, table_picture
from publication_fixtures import CASE, Seized

from vidi import Workbench
from vidi.config import Settings


@pytest.fixture(params=["sqlite", "postgresql"])
def workbench(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Workbench]:
    if request.param == "postgresql":
        settings = settings.with_changes(database_url=request.getfixturevalue("postgres_url"))
    with Workbench(settings.with_changes(extractors=())) as wb:
        yield wb


@pytest.fixture
def seized(workbench: Workbench, tmp_path: Path) -> Seized:
    folder = tmp_path / "seizure"
    folder.mkdir()
    picture = folder / "table.jpg"
    picture.write_bytes(metadata_jpeg(table_picture()))
    workbench.create_case(CASE)
    workbench.ingest(CASE, [folder])
    return Seized(workbench, picture, hashlib.sha256(picture.read_bytes()).hexdigest())
