"""What the case page adds to the report: the sources, and the hash lists the case meets."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vidi.store.models import CaseMedia, HashList, HashListEntry, Match, Source


@dataclass(frozen=True)
class SourceInfo:
    id: int
    uri: str
    kind: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class HashListUse:
    """A hash list and the number of the case's media it matches (exactly or near)."""

    name: str
    format: str
    ignorable: bool
    entries: int
    media_matched: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def case_sources(session: Session, case_id: int) -> list[SourceInfo]:
    rows = session.execute(
        select(Source.id, Source.uri, Source.kind)
        .where(Source.case_id == case_id)
        .order_by(Source.id)
    )
    return [SourceInfo(*row) for row in rows]


def case_hashlists(session: Session, case_id: int) -> list[HashListUse]:
    """Each hash list; ``case_media`` must be up to date (:func:`sync_case_media`)."""
    matched = dict(
        session.execute(
            select(HashListEntry.hashlist_id, func.count(func.distinct(Match.media_sha256)))
            .join(Match, Match.hashlist_entry_id == HashListEntry.id)
            .join(CaseMedia, CaseMedia.media_sha256 == Match.media_sha256)
            .where(CaseMedia.case_id == case_id)
            .group_by(HashListEntry.hashlist_id)
        ).all()
    )
    return [
        HashListUse(h.name, h.format, h.ignorable, h.entry_count, matched.get(h.id, 0))
        for h in session.scalars(select(HashList).order_by(HashList.name))
    ]
