"""One media item as its page shows it: where it was found, what it matches, its clues.

Every occurrence in the case with its source and the chain of archives around it; the
matches with the list (and its category) or the other media item and the cases that
hold it; the stored clues with their regions; the item's own country estimate.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vidi.estimates import estimate_media, media_clues
from vidi.places.clue import Region
from vidi.places.fusion import Estimate
from vidi.store.models import Case, HashList, HashListEntry, Match, Media, Occurrence, Source
from vidi.store.models import Clue as ClueRow

MAX_OCCURRENCES = 200
MAX_MATCHES = 200


@dataclass(frozen=True)
class Found:
    """One file that holds the item: the source, the archives around it, its path."""

    source: str
    source_id: int
    archive_chain: tuple[str, ...]
    path: str


@dataclass(frozen=True)
class MatchShown:
    kind: str
    distance: float
    hashlist: str | None
    category: str | None
    other_sha256: str | None
    other_cases: tuple[str, ...]


@dataclass(frozen=True)
class RegionClue:
    """A clue, and where it is in the picture when it has a place (pixels of the original)."""

    id: int
    kind: str
    value: str
    confidence: float
    extractor: str
    author: str | None
    note: str | None
    box: tuple[int, int, int, int] | None


@dataclass(frozen=True)
class GradeShown:
    """One grade the item was given in the case; ``current`` is the one that counts."""

    category: str
    grader: str
    graded_at: datetime
    current: bool


@dataclass(frozen=True)
class MediaDetail:
    sha256: str
    media_type: str
    format: str
    size: int
    width: int | None
    height: int | None
    duration_s: float | None
    has_audio: bool | None
    category: str | None
    group_id: str | None
    found: tuple[Found, ...]
    found_more: bool
    matches: tuple[MatchShown, ...]
    clues: tuple[RegionClue, ...]
    estimate: Estimate
    grades: tuple[GradeShown, ...]

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in asdict(self).items() if k != "estimate"}
        data["estimate"] = self.estimate.to_dict(5)
        return data


def media_detail(session: Session, case: Case, media: Media) -> MediaDetail:
    from vidi.series.grading import grade_history

    found = _found(session, case.id, media.sha256)
    return MediaDetail(
        sha256=media.sha256,
        media_type=media.media_type,
        format=media.format,
        size=media.size,
        width=media.width,
        height=media.height,
        duration_s=media.duration_s,
        has_audio=media.has_audio,
        category=media.category,
        group_id=media.group_id,
        found=tuple(found[:MAX_OCCURRENCES]),
        found_more=len(found) > MAX_OCCURRENCES,
        matches=tuple(_matches(session, media.sha256)),
        clues=tuple(_clue(c) for c in media_clues(session, media.sha256)),
        estimate=estimate_media(session, media.sha256),
        grades=tuple(
            GradeShown(g.category, g.grader, g.graded_at, g.current)
            for g in reversed(grade_history(session, case, media.sha256))  # newest first
        ),
    )


def _found(session: Session, case_id: int, sha256: str) -> list[Found]:
    rows = session.execute(
        select(Source.uri, Source.id, Occurrence.archive_chain, Occurrence.path)
        .join(Source, Source.id == Occurrence.source_id)
        .where(Source.case_id == case_id, Occurrence.media_sha256 == sha256)
        .order_by(Occurrence.id)
        .limit(MAX_OCCURRENCES + 1)
    )
    return [Found(uri, sid, tuple(chain or ()), path) for uri, sid, chain, path in rows]


def _matches(session: Session, sha256: str) -> list[MatchShown]:
    rows = session.execute(
        select(Match, HashList.name)
        .outerjoin(HashListEntry, HashListEntry.id == Match.hashlist_entry_id)
        .outerjoin(HashList, HashList.id == HashListEntry.hashlist_id)
        .where(Match.media_sha256 == sha256)
        .order_by(Match.distance, Match.id)
        .limit(MAX_MATCHES)
    ).all()
    others = {m.other_sha256 for m, _ in rows if m.other_sha256}
    cases = _cases_of(session, others)
    return [
        MatchShown(
            m.kind,
            m.distance,
            listed,
            m.category,
            m.other_sha256,
            tuple(cases.get(m.other_sha256, ())) if m.other_sha256 else (),
        )
        for m, listed in rows
    ]


def _cases_of(session: Session, shas: set[str]) -> dict[str, list[str]]:
    """The names of the cases that hold each of SHAS (other media a match points to)."""
    if not shas:
        return {}
    rows = session.execute(
        select(Occurrence.media_sha256, Case.name)
        .distinct()
        .join(Source, Source.id == Occurrence.source_id)
        .join(Case, Case.id == Source.case_id)
        .where(Occurrence.media_sha256.in_(sorted(shas)))
        .order_by(Case.name)
    )
    found: dict[str, list[str]] = {}
    for sha, name in rows:
        if sha is not None:
            found.setdefault(sha, []).append(name)
    return found


def _clue(clue: ClueRow) -> RegionClue:
    region = Region.from_stored(clue.region)  # width/height found, or w/h drawn by hand
    box = region.box if region is not None else None
    if box is not None:
        x, y, width, height = box
        box = (x, y, max(1, width), max(1, height))
    note = (clue.detail or {}).get("note")
    return RegionClue(
        clue.id,
        clue.kind,
        clue.value,
        clue.confidence,
        clue.extractor,
        clue.author,
        note if isinstance(note, str) else None,
        box,
    )
