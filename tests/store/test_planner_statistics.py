"""Ingest refreshes PostgreSQL's statistics as it grows a source (see vidi.store.statistics)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from vidi import Workbench
from vidi.config import Settings
from vidi.ingest import pipeline
from vidi.store.db import Database
from vidi.store.statistics import StatisticsRefresh
from vidi_testing import jpeg_bytes, scene


def seizure(folder: Path, count: int) -> Path:
    folder.mkdir()
    for n in range(count):
        (folder / f"p{n:03d}.jpg").write_bytes(jpeg_bytes(scene(n, 64, 48)))
    return folder


def analysed(url: str) -> bool:
    database = Database(url)
    try:
        with database.session() as session:
            manual = session.scalar(
                text("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'occurrence'")
            )
    finally:
        database.close()
    return bool(manual)  # ANALYZE statements; autovacuum's own runs count apart


@pytest.mark.parametrize("first, expected", [(12, True), (10_000, False)])
def test_ingest_analyses_the_occurrences_once_it_has_written_enough(
    settings: Settings,
    postgres_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    first: int,
    expected: bool,
) -> None:
    refresh = StatisticsRefresh(first=first)
    monkeypatch.setattr(pipeline, "WRITER_STATISTICS", refresh)
    chosen = settings.with_changes(database_url=postgres_url, batch_size=10, extractors=())
    with Workbench(chosen) as wb:
        wb.create_case("op-heron")
        wb.ingest("op-heron", [seizure(tmp_path / "in", 30)], clues=False)
    assert refresh.written == 30
    assert (refresh.refreshed >= 1) is expected
    assert analysed(postgres_url) is expected


def test_on_sqlite_counting_is_all_it_does(db: Database) -> None:
    refresh = StatisticsRefresh(first=5)
    assert refresh.wrote(db, 3) is False
    assert refresh.wrote(db, 3) is False  # due, but SQLite plans from its indexes
    assert (refresh.written, refresh.due, refresh.refreshed) == (6, 12, 0)
