"""``vidi lookup``: what a file or a PDQ hash matches, nearest first.

For a file the hashes are computed exactly as ingest computes them; its MD5, SHA-1 and
SHA-256 are looked up in the hash lists and in the cases where the same content was
seen, and its PDQ (when its quality is good enough) in the index. ``lookup_pdqs`` takes
any list of PDQ hashes — the seam for videos, whose frames each have one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from vidi.config import Settings
from vidi.errors import VidiError
from vidi.index import Hit
from vidi.matching.known_index import KnownIndex
from vidi.matching.links import links_of
from vidi.matching.resolve import Resolved, hamming, resolve_labels
from vidi.matching.search_view import open_for_search
from vidi.media.examine import MediaFacts, examine
from vidi.results import jsonable
from vidi.store.db import Database
from vidi.store.models import Case, HashList, HashListEntry, Occurrence, Source

_PDQ = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class LookupHit:
    """One thing the query matched: a hash-list entry or a stored media item."""

    kind: str  # md5 | sha1 | sha256 | pdq | frame | vpdq | audio
    distance: float
    list_name: str | None = None
    entry_id: int | None = None
    sha256: str | None = None
    cases: tuple[str, ...] = ()
    category: str | None = None
    frame_number: int | None = None
    query: int = 0


@dataclass(frozen=True)
class PdqLookup:
    """A lookup's query when it is a bare PDQ hash."""

    pdq: str

    def as_dict(self) -> dict[str, Any]:
        return {"pdq": self.pdq}


@dataclass(frozen=True)
class LookupResult:
    """What was looked up (a file's facts or a PDQ hash) and what it matched."""

    query: MediaFacts | PdqLookup
    seen_in_cases: tuple[str, ...] = ()
    hits: tuple[LookupHit, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query.as_dict(),
            "seen_in_cases": list(self.seen_in_cases),
            "hits": jsonable(self.hits),
            "notes": list(self.notes),
        }


def check_pdq(value: str) -> str:
    text = value.strip().lower()
    if not _PDQ.fullmatch(text):
        raise VidiError(f"a PDQ hash is 64 hexadecimal characters, got {value!r}")
    return text


def lookup_pdqs(
    session: Session, index: KnownIndex, settings: Settings, pdqs: Sequence[str]
) -> list[LookupHit]:
    """Index hits for each PDQ hash (``query`` is its position), nearest first."""
    radius, min_quality = settings.match.pdq_radius, settings.match.pdq_min_quality
    found = index.search_many(list(pdqs), radius)
    resolved = resolve_labels(session, (h.id for hits in found for h in hits))
    hits: list[LookupHit] = []
    for number, (pdq, near) in enumerate(zip(pdqs, found, strict=True)):
        for hit in near:
            hits.extend(_hits_for(number, pdq, hit, resolved, radius, min_quality))
    cases = cases_of(session, [h.sha256 for h in hits if h.sha256])
    hits = [_with_cases(h, cases) for h in hits]
    return sorted(hits, key=lambda h: (h.distance, h.query, h.list_name or "", h.sha256 or ""))


def _hits_for(
    number: int, pdq: str, hit: Hit, resolved: Resolved, radius: int, min_quality: int
) -> list[LookupHit]:
    found = []
    entry = resolved.entries.get(hit.id)
    if entry is not None:
        found.append(
            LookupHit(
                "pdq",
                hit.distance,
                entry.list_name,
                entry.id,
                category=entry.category,
                query=number,
            )
        )
    for media in resolved.media.get(hit.id, []):
        distance = hamming(pdq, media.pdq)
        if media.quality >= min_quality and distance <= radius:
            found.append(
                LookupHit(
                    "pdq", distance, sha256=media.sha256, category=media.category, query=number
                )
            )
    frame = resolved.frames.get(hit.id)
    if frame is not None and frame.quality >= min_quality:
        found.append(
            LookupHit(
                "frame",
                hit.distance,
                sha256=frame.media_sha256,
                frame_number=frame.frame_number,
                query=number,
            )
        )
    return found


def _with_cases(hit: LookupHit, cases: dict[str, tuple[str, ...]]) -> LookupHit:
    if not hit.sha256:
        return hit
    return LookupHit(**{**hit.__dict__, "cases": cases.get(hit.sha256, ())})


def cases_of(session: Session, sha256s: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The cases each content (by SHA-256) occurs in."""
    found: dict[str, set[str]] = {}
    unique = sorted(set(sha256s))
    for start in range(0, len(unique), 500):
        rows = session.execute(
            select(Occurrence.sha256, Case.name)
            .distinct()
            .join(Source, Source.id == Occurrence.source_id)
            .join(Case, Case.id == Source.case_id)
            .where(Occurrence.sha256.in_(unique[start : start + 500]))
        )
        for sha, name in rows:
            found.setdefault(sha, set()).add(name)
    return {sha: tuple(sorted(names)) for sha, names in found.items()}


def exact_hits(session: Session, md5: str, sha1: str, sha256: str) -> list[LookupHit]:
    rows = session.execute(
        select(HashListEntry, HashList.name)
        .join(HashList, HashList.id == HashListEntry.hashlist_id)
        .where(
            or_(
                HashListEntry.md5 == md5,
                HashListEntry.sha1 == sha1,
                HashListEntry.sha256 == sha256,
            )
        )
        .order_by(HashList.name, HashListEntry.id)
    )
    hits = []
    for entry, list_name in rows:
        kind = next(
            k
            for k, v in (("sha256", sha256), ("sha1", sha1), ("md5", md5))
            if getattr(entry, k) == v
        )
        hits.append(LookupHit(kind, 0.0, list_name, entry.id, category=entry.category))
    return hits


def lookup_file(db: Database, settings: Settings, path: Path) -> LookupResult:
    """Exact and near matches of one file (a picture, or a video frame by frame)."""
    facts = examine(Path(path), settings)
    min_quality = settings.match.pdq_min_quality
    notes: list[str] = []
    pdqs: list[str] = []
    if facts.video is not None:
        pdqs.extend(f.pdq_hex for f in facts.video.frames if f.quality >= min_quality)
        if not pdqs:
            notes.append("no video frame has a PDQ quality good enough for a near lookup")
    elif facts.picture is not None and facts.picture.pdq_quality >= min_quality:
        pdqs.append(facts.picture.pdq)
    elif facts.picture is not None:
        notes.append(
            f"PDQ quality {facts.picture.pdq_quality} is below "
            f"{min_quality}: no near-duplicate lookup"
        )
    digest = facts.digest
    with db.session() as session:
        hits = exact_hits(session, digest.md5, digest.sha1, digest.sha256)
        hits.extend(  # whole-video and sound-track links ingest stored for this content
            LookupHit(link.kind, link.distance, sha256=link.other_sha256, cases=link.other_cases)
            for link in links_of(session, [digest.sha256])
        )
        seen = cases_of(session, [digest.sha256]).get(digest.sha256, ())
    if pdqs:
        with open_for_search(db, settings) as index, db.session() as session:
            index.sync(db)
            near = lookup_pdqs(session, index, settings, pdqs)
        hits.extend(h for h in near if h.sha256 != digest.sha256)
    return LookupResult(facts, seen, tuple(hits), tuple(notes))


def lookup_pdq(db: Database, settings: Settings, pdq: str) -> LookupResult:
    """Near matches of one PDQ hash (no quality is known, so it is always looked up)."""
    pdq = check_pdq(pdq)
    with open_for_search(db, settings) as index, db.session() as session:
        index.sync(db)
        hits = lookup_pdqs(session, index, settings, [pdq])
    return LookupResult(PdqLookup(pdq), (), tuple(hits), ())
