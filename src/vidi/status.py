"""Where the data lives and how much of it there is."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from vidi.audit import verify_chain
from vidi.config import Settings, hide_password
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


def status(settings: Settings, db: Database) -> dict[str, Any]:
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
    return {
        "home": str(settings.home),
        "database_url": hide_password(settings.database_url),
        "database": db.dialect,
        "blobs": str(settings.blob_dir),
        "counts": counts,
        "audit": {
            "ok": chain.ok,
            "events": chain.events,
            "problem": chain.problems[0] if chain.problems else None,
        },
    }
