"""Clues investigators add (with a region drawn on the picture) and verdicts on extracted ones.

A verdict is ``confirmed`` or ``rejected``; a rejected clue stops counting in every
estimate, which then lists it as not counted and names who rejected it. The latest
verdict stands (a second one replaces the first); each is an audit event.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vidi import audit
from vidi.errors import InvalidInput, NotFound
from vidi.estimates import add_investigator_clue
from vidi.places.clue import Region
from vidi.series.series import checked_media
from vidi.store.models import Case, Clue, ClueReview, Media, Occurrence
from vidi.store.queries import case_media

HAND_KINDS = ("language_heard", "object_seen", "logo", "place", "country", "text", "barcode")
"""What an investigator may add from the web: a language heard, an object, a logo, a place."""

VERDICTS = ("confirmed", "rejected")
MAX_VALUE = 500
SEARCH_KINDS = ("text", "qr_text", "barcode")
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


def checked_region(media: Media, region: Region | None) -> dict[str, int] | None:
    """The stored form of a box x, y, w, h in pixels that lies inside the picture, or None."""
    if region is None:
        return None
    if region.box is None:
        raise InvalidInput("a region is x, y, w, h in whole pixels")
    x, y, w, h = region.box
    width, height = media.width or 0, media.height or 0
    if w < 1 or h < 1 or x < 0 or y < 0 or x + w > width or y + h > height:
        raise InvalidInput(f"the region must lie inside the picture ({width}×{height} pixels)")
    return {"x": x, "y": y, "w": w, "h": h}


def add_hand_clue(
    session: Session,
    case: Case,
    sha256: str,
    kind: str,
    value: str,
    actor: str,
    region: Region | None = None,
    note: str | None = None,
) -> Clue:
    [item] = checked_media(session, case, [sha256])
    chosen = kind.strip().lower()
    if chosen not in HAND_KINDS:
        raise InvalidInput(f"unknown clue kind {kind!r}; use one of {', '.join(HAND_KINDS)}")
    if not value.strip() or len(value) > MAX_VALUE or _UNPRINTABLE.search(value + (note or "")):
        raise InvalidInput(f"a clue value is 1 to {MAX_VALUE} printable characters")
    media = session.get(Media, item)
    assert media is not None  # checked_media found it in the case
    box = checked_region(media, region)
    clue = add_investigator_clue(session, item, chosen, value, actor, note, {"case": case.id})
    clue.region = box
    session.flush()
    return clue


def case_clue(session: Session, case: Case, clue_id: int) -> Clue:
    """Clue CLUE_ID when it belongs to a media item of CASE; NotFound otherwise."""
    clue = session.get(Clue, clue_id) if 1 <= clue_id < 2**31 else None
    held = clue is not None and session.scalar(
        case_media(case.id).where(Occurrence.media_sha256 == clue.media_sha256).limit(1)
    )
    if clue is None or not held:
        raise NotFound("no such clue in this case")
    return clue


def review_clue(session: Session, case: Case, clue_id: int, verdict: str, actor: str) -> ClueReview:
    if verdict not in VERDICTS:
        raise InvalidInput(f"a verdict is one of {', '.join(VERDICTS)}")
    clue = case_clue(session, case, clue_id)
    review = session.get(ClueReview, clue.id)
    now = datetime.now(UTC)
    if review is None:
        review = ClueReview(clue_id=clue.id, verdict=verdict, reviewer=actor, reviewed_at=now)
        session.add(review)
    else:
        review.verdict, review.reviewer, review.reviewed_at = verdict, actor, now
    session.flush()
    audit.record(
        session,
        "clue." + ("confirm" if verdict == "confirmed" else "reject"),
        f"clue:{clue.id}",
        {"case": case.id, "media": clue.media_sha256, "kind": clue.kind, "value": clue.value[:200]},
        actor,
    )
    return review


def media_clues_with_verdicts(
    session: Session, case: Case, sha256: str
) -> list[tuple[Clue, ClueReview | None]]:
    [item] = checked_media(session, case, [sha256])
    rows = session.execute(
        select(Clue, ClueReview)
        .outerjoin(ClueReview, ClueReview.clue_id == Clue.id)
        .where(Clue.media_sha256 == item)
        .order_by(Clue.id)
    )
    return [(clue, review) for clue, review in rows]


def search_clue_text(session: Session, case: Case, words: str, limit: int = 200) -> list[Clue]:
    """Clues of CASE whose OCR, QR or barcode text holds every word (case-insensitive)."""
    if _UNPRINTABLE.search(words) or len(words) > MAX_VALUE:
        raise InvalidInput(f"search for 1 to {MAX_VALUE} printable characters")
    terms = [w for w in words.split() if w][:20]
    if not terms:
        return []
    query = select(Clue).where(
        Clue.kind.in_(SEARCH_KINDS), Clue.media_sha256.in_(case_media(case.id))
    )
    for term in terms:
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Clue.value.ilike(f"%{escaped}%", escape="\\"))
    return list(session.scalars(query.order_by(Clue.confidence.desc(), Clue.id).limit(limit)))
