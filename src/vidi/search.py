"""Search recognised text (OCR lines and QR payloads) for words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vidi.cases import get_case
from vidi.estimates import stored_clue
from vidi.places.clue import Clue
from vidi.store.models import Clue as ClueRow
from vidi.store.queries import case_media

TEXT_KINDS = ("text", "qr_text")


@dataclass(frozen=True)
class TextHit:
    """A text or QR clue that holds every searched word, and the media item it is of."""

    media_sha256: str
    clue: Clue

    def to_dict(self) -> dict[str, Any]:
        return {
            "media_sha256": self.media_sha256,
            "kind": self.clue.kind,
            "text": self.clue.value,
            "confidence": self.clue.confidence,
            "region": self.clue.region.to_dict() if self.clue.region else None,
        }


def search_text(
    session: Session, words: str, case_name: str | None = None, limit: int = 200
) -> list[TextHit]:
    """Clues whose text holds every word (case-insensitive), best confidence first."""
    terms = [w for w in words.split() if w]
    if not terms:
        return []
    query = select(ClueRow).where(ClueRow.kind.in_(TEXT_KINDS))
    for term in terms:
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(ClueRow.value.ilike(f"%{escaped}%", escape="\\"))
    if case_name is not None:
        case = get_case(session, case_name)
        query = query.where(ClueRow.media_sha256.in_(case_media(case.id)))
    query = query.order_by(ClueRow.confidence.desc()).limit(limit)
    return [TextHit(c.media_sha256, stored_clue(c)) for c in session.scalars(query)]
