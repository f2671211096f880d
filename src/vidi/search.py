"""Search recognised text (OCR lines and QR payloads) for words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vidi.cases import get_case
from vidi.results import ClueRegion
from vidi.store.models import Clue
from vidi.store.queries import case_media

TEXT_KINDS = ("text", "qr_text")


@dataclass(frozen=True)
class TextHit:
    media_sha256: str
    kind: str
    text: str
    confidence: float
    region: ClueRegion | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "media_sha256": self.media_sha256,
            "kind": self.kind,
            "text": self.text,
            "confidence": self.confidence,
            "region": self.region.to_dict() if self.region else None,
        }


def search_text(
    session: Session, words: str, case_name: str | None = None, limit: int = 200
) -> list[TextHit]:
    """Clues whose text holds every word (case-insensitive), best confidence first."""
    terms = [w for w in words.split() if w]
    if not terms:
        return []
    query = select(Clue).where(Clue.kind.in_(TEXT_KINDS))
    for term in terms:
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Clue.value.ilike(f"%{escaped}%", escape="\\"))
    if case_name is not None:
        case = get_case(session, case_name)
        query = query.where(Clue.media_sha256.in_(case_media(case.id)))
    query = query.order_by(Clue.confidence.desc()).limit(limit)
    return [
        TextHit(c.media_sha256, c.kind, c.value, c.confidence, ClueRegion.from_stored(c.region))
        for c in session.scalars(query)
    ]
