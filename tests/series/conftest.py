"""The ``bench`` fixture: two cases of generated pictures, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from seriesbench import Bench, build_bench

from vidi import Workbench
from vidi.config import Settings


@pytest.fixture(params=["sqlite", "postgresql"])
def bench(request: pytest.FixtureRequest, settings: Settings, tmp_path: Path) -> Iterator[Bench]:
    if request.param == "postgresql":
        settings = settings.with_changes(database_url=request.getfixturevalue("postgres_url"))
    with Workbench(settings.with_changes(extractors=())) as workbench:
        yield build_bench(workbench, tmp_path)
