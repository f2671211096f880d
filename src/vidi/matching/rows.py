"""A match as the row stored for it, and storing a batch of them.

Hash-list, near-duplicate, vPDQ and audio matching all build rows with
:func:`match_row` and insert them with :func:`store_matches`; this module is their
common floor, so the matchers need not import one another.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from vidi.store.inserts import insert_ignoring_conflicts
from vidi.store.models import Match, utcnow


def store_matches(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert, keeping the nearest of duplicates; existing rows stay as they are."""
    best: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        key = (row["media_sha256"], row["kind"], row["hashlist_entry_id"], row["other_sha256"])
        if key not in best or row["distance"] < best[key]["distance"]:
            best[key] = row
    ordered = sorted(best.values(), key=lambda r: r["distance"])
    for start in range(0, len(ordered), 5000):
        insert_ignoring_conflicts(session, Match, ordered[start : start + 5000])


def match_row(
    media: str,
    kind: str,
    distance: float,
    *,
    entry: int | None = None,
    other: str | None = None,
    category: str | None = None,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "media_sha256": media,
        "kind": kind,
        "distance": float(distance),
        "hashlist_entry_id": entry,
        "other_sha256": other,
        "category": category,
        "detail": detail or None,
        "created_at": utcnow(),
    }
