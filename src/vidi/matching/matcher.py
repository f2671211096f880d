"""Matching: every media item against every hash list and every other media item.

Exact matches compare MD5, SHA-1 and SHA-256 with the hash-list entries (indexed SQL
joins, a batch of media at a time). Near matches search the PDQ index for each picture's
PDQ and each video frame's PDQ within ``settings.match.pdq_radius``; hashes of a quality
below ``settings.match.pdq_min_quality`` neither ask nor answer. A match between two
media is stored in both directions, so each media item's matches are complete on their
own. Rows are inserted ignoring conflicts (unique keys per target), so matching again
adds only what is missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from vidi.config import MatchSettings, Settings
from vidi.index import Hit
from vidi.matching.known_index import KnownIndex
from vidi.matching.resolve import Resolved, hamming, resolve_labels
from vidi.matching.rows import match_row, store_matches
from vidi.matching.videomatch import audio_rows, vpdq_rows
from vidi.store.models import HashListEntry, Match, Media, VideoFrame

EXACT_KINDS: tuple[str, ...] = ("md5", "sha1", "sha256")
NEAR_KINDS: tuple[str, ...] = ("pdq", "frame", "vpdq")
BATCH = 500


@dataclass(frozen=True, slots=True)
class PdqQuery:
    """One PDQ hash to look up for a media item: its own, or one of its video frames."""

    media_sha256: str
    pdq: str
    frame_number: int | None = None


def match_media(
    session: Session,
    index: KnownIndex,
    settings: Settings,
    sha256s: Sequence[str],
    replace: bool = False,
) -> int:
    """Match these media (one batch); returns how many match rows they have afterwards.

    ``replace`` first forgets their earlier matches, so changed settings (radius, quality)
    take effect; otherwise only missing matches are added.
    """
    if not sha256s:
        return 0
    if replace:
        session.execute(delete(Match).where(Match.media_sha256.in_(sha256s)))
        session.execute(delete(Match).where(Match.other_sha256.in_(sha256s)))
    rows = exact_rows(session, sha256s)
    queries, categories = pdq_queries(session, sha256s, settings.match.pdq_min_quality)
    hits = index.search_many([q.pdq for q in queries], settings.match.pdq_radius)
    resolved = resolve_labels(session, (h.id for found in hits for h in found))
    for query, found in zip(queries, hits, strict=True):
        rows.extend(near_rows(query, found, resolved, settings.match, categories))
    store_matches(session, rows)
    store_matches(
        session, vpdq_rows(session, sha256s, settings.match) + audio_rows(session, sha256s)
    )
    return session.scalar(select(func.count()).where(Match.media_sha256.in_(sha256s))) or 0


def exact_rows(session: Session, sha256s: Sequence[str]) -> list[dict[str, Any]]:
    """MD5, SHA-1 and SHA-256 of these media found in any hash list."""
    rows: list[dict[str, Any]] = []
    columns: dict[str, tuple[InstrumentedAttribute[Any], InstrumentedAttribute[Any]]] = {
        "md5": (Media.md5, HashListEntry.md5),
        "sha1": (Media.sha1, HashListEntry.sha1),
        "sha256": (Media.sha256, HashListEntry.sha256),
    }
    for kind, (media_column, entry_column) in columns.items():
        found = session.execute(
            select(Media.sha256, HashListEntry.id, HashListEntry.category)
            .join(HashListEntry, entry_column == media_column)
            .where(Media.sha256.in_(sha256s))
        )
        rows.extend(match_row(sha, kind, 0, entry=eid, category=cat) for sha, eid, cat in found)
    return rows


def pdq_queries(
    session: Session, sha256s: Sequence[str], min_quality: int
) -> tuple[list[PdqQuery], dict[str, str | None]]:
    """The PDQ hashes good enough to look up, and each media item's category."""
    queries: list[PdqQuery] = []
    categories: dict[str, str | None] = {}
    media = session.execute(
        select(Media.sha256, Media.pdq, Media.pdq_quality, Media.category).where(
            Media.sha256.in_(sha256s)
        )
    )
    for sha, pdq, quality, category in media:
        categories[sha] = category
        if pdq and (quality or 0) >= min_quality:
            queries.append(PdqQuery(sha, pdq))
    frames = session.execute(
        select(VideoFrame.media_sha256, VideoFrame.pdq, VideoFrame.frame_number)
        .where(VideoFrame.media_sha256.in_(sha256s), VideoFrame.quality >= min_quality)
        .order_by(VideoFrame.media_sha256, VideoFrame.frame_number)
    )
    queries.extend(PdqQuery(sha, pdq, number) for sha, pdq, number in frames)
    return queries, categories


def near_rows(
    query: PdqQuery,
    hits: list[Hit],
    resolved: Resolved,
    match: MatchSettings,
    categories: dict[str, str | None],
) -> list[dict[str, Any]]:
    """Match rows for one query's index hits (both directions for media ↔ media)."""
    me, rows = query.media_sha256, []
    for hit in hits:
        entry = resolved.entries.get(hit.id)
        if entry is not None:
            kind = "pdq" if query.frame_number is None else "frame"
            detail = _frames_detail(query.frame_number, None)
            rows.append(
                match_row(
                    me, kind, hit.distance, entry=entry.id, category=entry.category, detail=detail
                )
            )
        for ref in resolved.media.get(hit.id, []):
            distance = hamming(query.pdq, ref.pdq)
            good = ref.quality >= match.pdq_min_quality and distance <= match.pdq_radius
            if ref.sha256 != me and good:
                rows.extend(_pair(query, ref.sha256, ref.category, None, distance, categories))
        frame = resolved.frames.get(hit.id)
        if frame and frame.media_sha256 != me and frame.quality >= match.pdq_min_quality:
            pair = _pair(
                query, frame.media_sha256, None, frame.frame_number, hit.distance, categories
            )
            rows.extend(pair)
    return rows


def _pair(
    query: PdqQuery,
    other: str,
    other_category: str | None,
    other_frame: int | None,
    distance: float,
    categories: dict[str, str | None],
) -> list[dict[str, Any]]:
    """The match from the query's media to the other, and back."""
    me = query.media_sha256
    kind = "pdq" if query.frame_number is None and other_frame is None else "frame"
    there = _frames_detail(query.frame_number, other_frame)
    back = _frames_detail(other_frame, query.frame_number)
    return [
        match_row(me, kind, distance, other=other, category=other_category, detail=there),
        match_row(other, kind, distance, other=me, category=categories.get(me), detail=back),
    ]


def _frames_detail(own: int | None, other: int | None) -> dict[str, Any]:
    detail = {}
    if own is not None:
        detail["frame"] = own
    if other is not None:
        detail["other_frame"] = other
    return detail
