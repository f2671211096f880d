"""The home's status (``vidi status``): where the data lives and how much there is.

Not to be confused with a media item's review status (:mod:`vidi.matching.review`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from vidi.audit import verify_chain
from vidi.config import Settings, hide_password
from vidi.results import jsonable
from vidi.store.db import Database
from vidi.store.models import (
    Case,
    Clue,
    HashList,
    HashListEntry,
    IngestError,
    Match,
    Media,
    Occurrence,
    Source,
)


@dataclass(frozen=True)
class AuditState:
    ok: bool
    events: int
    problem: str | None


@dataclass(frozen=True)
class HomeStatus:
    home: str
    database_url: str
    database: str
    blobs: str
    counts: dict[str, int]
    audit: AuditState

    def to_dict(self) -> dict[str, Any]:
        return jsonable(self)  # type: ignore[no-any-return]


def home_status(settings: Settings, db: Database) -> HomeStatus:
    counts: dict[str, int] = {}
    with db.session() as session:
        for name, model in [
            ("cases", Case),
            ("sources", Source),
            ("occurrences", Occurrence),
            ("media", Media),
            ("ingest_errors", IngestError),
            ("hashlists", HashList),
            ("hashlist_entries", HashListEntry),
            ("matches", Match),
            ("clues", Clue),
        ]:
            counts[name] = session.scalar(select(func.count()).select_from(model)) or 0
        chain = verify_chain(session, settings.audit_anchor)
    return HomeStatus(
        home=str(settings.home),
        database_url=hide_password(settings.database_url),
        database=db.dialect,
        blobs=str(settings.blob_dir),
        counts=counts,
        audit=AuditState(chain.ok, chain.events, chain.problems[0] if chain.problems else None),
    )
