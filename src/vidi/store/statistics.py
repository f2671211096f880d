"""Fresh planner statistics for the tables an ingest grows, on PostgreSQL.

Before each batch, ingest asks which of its places a source already holds
(:func:`vidi.ingest.writer.done_keys`: ``source_id = ? AND path_key IN (...)``).
PostgreSQL plans that from its statistics. For a source they have not seen (a new
seizure) it expects a few hundred rows and reads *every* stored row of the source for
each batch instead of probing the (source, path) index, so each batch costs more than
the one before and a large seizure's ingest turns quadratic (seen at 140,000 files: 20
to 50 ms a batch, growing). Autovacuum refreshes statistics only after a tenth of a
table has changed (at 10 M occurrences: a million rows; never where it is off), so the
writer refreshes them itself: after its first :data:`FIRST_REFRESH` rows and each time
its count has doubled since, a handful of ``ANALYZE`` runs (a sample, about a second
each at 10 M rows) per million files. The media table grows with it and its lookups
by SHA-256 prefix ranges (:mod:`vidi.matching.resolve`, 100 ranges a query) turn into
parallel scans of the whole table while the planner thinks it small. SQLite plans from
the index alone; nothing to do.
"""

from __future__ import annotations

from sqlalchemy import text

from vidi.store.db import Database

FIRST_REFRESH = 10_000
"""Rows written by this process before the first refresh; then at each doubling."""
TABLES = ("occurrence", "media", "ingest_error")


class StatisticsRefresh:
    """Counts the rows a process writes and refreshes the statistics when due."""

    def __init__(self, first: int = FIRST_REFRESH) -> None:
        self.written = 0
        self.due = first
        self.refreshed = 0

    def wrote(self, db: Database, rows: int) -> bool:
        """Count ``rows`` just committed; True when this call refreshed the statistics."""
        self.written += rows
        if self.written < self.due:
            return False
        self.due = 2 * self.written
        with db.session() as session:
            if session.get_bind().dialect.name != "postgresql":
                return False
            for table in TABLES:
                session.execute(text(f"ANALYZE {table}"))
        self.refreshed += 1
        return True


WRITER_STATISTICS = StatisticsRefresh()
"""One per process: a local ingest's writer, or a worker's chunks one after another."""
