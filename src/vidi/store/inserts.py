"""Idempotent inserts: a row that is already stored is left as it is.

Ingest's writer and the matcher both insert with ON CONFLICT DO NOTHING, so a run
killed at any moment and started again adds exactly what is missing, never a duplicate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from vidi.store.models import Base


def insert_ignoring_conflicts(
    session: Session, model: type[Base], rows: Sequence[dict[str, Any]]
) -> None:
    """INSERT … ON CONFLICT DO NOTHING, for SQLite and PostgreSQL alike."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    session.execute(module.insert(model).on_conflict_do_nothing(), list(rows))
