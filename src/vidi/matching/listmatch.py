"""A newly imported hash list, matched against the media already in the database.

Media are matched against every list when they are ingested; a list imported later must
find the media that were there before it. Exact matches are one ``INSERT … SELECT``
per hash kind (a join on the indexed hash columns); near matches search the PDQ index
with each entry's PDQ for media and video frames.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import DateTime, Float, Integer, String, func, literal, null, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from vidi.config import MatchSettings, Settings
from vidi.index import Hit
from vidi.matching.known_index import CHUNK, KnownIndex
from vidi.matching.labels import LabelKind, decode_label
from vidi.matching.matcher import EXACT_KINDS, PdqQuery, near_rows
from vidi.matching.resolve import Resolved, hamming, resolve_labels
from vidi.matching.rows import match_row, store_matches
from vidi.store.db import Database
from vidi.store.models import HashListEntry, Match, Media, VideoFrame, utcnow

SEARCH_BATCH = 2000


def match_hashlist(db: Database, index: KnownIndex, settings: Settings, hashlist_id: int) -> int:
    """Match stored media against one list; returns the match rows its entries now have."""
    with db.session() as session:
        for kind in EXACT_KINDS:
            _insert_exact(session, hashlist_id, kind)
    with db.session() as session:
        listed = session.scalar(
            select(func.count()).where(
                HashListEntry.hashlist_id == hashlist_id, HashListEntry.pdq.is_not(None)
            )
        )
    state = index.state
    stored = (state.media_count + state.frame_count) if state else 0
    if listed:
        # Search from whichever side is smaller: the list's PDQs, or the stored media's.
        if stored < listed:
            _search_from_media(db, index, settings, hashlist_id)
        else:
            _search_from_entries(db, index, settings, hashlist_id)
    with db.session() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(Match)
                .join(HashListEntry, HashListEntry.id == Match.hashlist_entry_id)
                .where(HashListEntry.hashlist_id == hashlist_id)
            )
            or 0
        )


def _search_from_entries(
    db: Database, index: KnownIndex, settings: Settings, hashlist_id: int
) -> None:
    query = (
        select(HashListEntry.id, HashListEntry.pdq, HashListEntry.category)
        .where(HashListEntry.hashlist_id == hashlist_id, HashListEntry.pdq.is_not(None))
        .order_by(HashListEntry.id)
        .execution_options(yield_per=CHUNK)
    )
    with db.session() as reader:
        for partition in reader.execute(query).partitions(SEARCH_BATCH):
            entries = [(i, p, c) for i, p, c in partition if p is not None]
            hits = index.search_many([pdq for _, pdq, _ in entries], settings.match.pdq_radius)
            with db.session() as session:
                resolved = resolve_labels(session, (h.id for found in hits for h in found))
                rows: list[dict[str, Any]] = []
                for entry, found in zip(entries, hits, strict=True):
                    rows.extend(_entry_rows(entry, found, resolved, settings.match))
                store_matches(session, rows)


def _search_from_media(
    db: Database, index: KnownIndex, settings: Settings, hashlist_id: int
) -> None:
    """Each stored picture and frame looked up; only this list's entries are kept."""
    min_quality = settings.match.pdq_min_quality
    pictures = select(Media.sha256, Media.pdq, literal(None, Integer)).where(
        Media.pdq.is_not(None), Media.pdq_quality >= min_quality
    )
    frames = select(VideoFrame.media_sha256, VideoFrame.pdq, VideoFrame.frame_number).where(
        VideoFrame.quality >= min_quality
    )
    with db.session() as reader:
        for query in (pictures, frames):
            result = reader.execute(query.execution_options(yield_per=CHUNK))
            for partition in result.partitions(SEARCH_BATCH):
                queries = [PdqQuery(sha, pdq, frame) for sha, pdq, frame in partition if pdq]
                hits = index.search_many([q.pdq for q in queries], settings.match.pdq_radius)
                entry_hits = [
                    [h for h in found if decode_label(h.id).kind is LabelKind.ENTRY]
                    for found in hits
                ]
                with db.session() as session:
                    resolved = resolve_labels(session, (h.id for f in entry_hits for h in f))
                    resolved.entries = {
                        k: e for k, e in resolved.entries.items() if e.hashlist_id == hashlist_id
                    }
                    rows: list[dict[str, Any]] = []
                    for q, found in zip(queries, entry_hits, strict=True):
                        rows.extend(near_rows(q, found, resolved, settings.match, {}))
                    store_matches(session, rows)


def _insert_exact(session: Session, hashlist_id: int, kind: str) -> None:
    entry_column = getattr(HashListEntry, kind)
    media_column = getattr(Media, kind)
    chosen = (
        select(
            Media.sha256,
            literal(kind, String),
            literal(0.0, Float),
            HashListEntry.id,
            null(),
            HashListEntry.category,
            null(),
            literal(utcnow(), DateTime(timezone=True)),
        )
        .join(HashListEntry, entry_column == media_column)
        .where(HashListEntry.hashlist_id == hashlist_id)
    )
    columns = [
        "media_sha256",
        "kind",
        "distance",
        "hashlist_entry_id",
        "other_sha256",
        "category",
        "detail",
        "created_at",
    ]
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    session.execute(module.insert(Match).from_select(columns, chosen).on_conflict_do_nothing())


def _entry_rows(
    entry: tuple[int, str, str | None], hits: list[Hit], resolved: Resolved, match: MatchSettings
) -> list[dict[str, Any]]:
    entry_id, pdq, category = entry
    rows = []
    for hit in hits:
        for ref in resolved.media.get(hit.id, []):
            distance = hamming(pdq, ref.pdq)
            if ref.quality >= match.pdq_min_quality and distance <= match.pdq_radius:
                rows.append(
                    match_row(ref.sha256, "pdq", distance, entry=entry_id, category=category)
                )
        frame = resolved.frames.get(hit.id)
        if frame is not None and frame.quality >= match.pdq_min_quality:
            detail = {"frame": frame.frame_number}
            rows.append(
                match_row(
                    frame.media_sha256,
                    "frame",
                    hit.distance,
                    entry=entry_id,
                    category=category,
                    detail=detail,
                )
            )
    return rows
