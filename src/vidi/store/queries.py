"""Queries that several services share, written once.

The case's media (its occurrences' distinct SHA-256s) is what the report, matching,
the review order, the estimates and search all start from; ``in_chunks`` keeps an
``IN (...)`` list under what both databases accept in one statement.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from vidi.store.models import Occurrence, Source

IN_CHUNK = 500
"""Values in one ``IN (...)`` list: well under SQLite's and PostgreSQL's parameter limits."""

T = TypeVar("T")


def case_media(case_id: int) -> Select[str | None]:
    """The distinct media SHA-256s of a case's occurrences."""
    return (
        select(Occurrence.media_sha256)
        .distinct()
        .join(Source, Source.id == Occurrence.source_id)
        .where(Source.case_id == case_id, Occurrence.media_sha256.is_not(None))
    )


def in_chunks(items: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    """The items a slice at a time, for queries that put them in an ``IN (...)`` list."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert_ignoring_duplicates(session: Session) -> Any:
    """The dialect's ``insert`` (for ``.on_conflict_do_nothing()``): a row that another
    transaction wrote first is skipped, not an error."""
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert
