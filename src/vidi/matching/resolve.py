"""Index hits back to database rows: which media, video frame or hash-list entry a label is.

The matcher, the hash-list import and ``vidi lookup`` all search the index and then need
the same facts about what they found (its PDQ quality, case, list, category); this
module fetches them for a whole batch of hits in a few indexed queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from vidi.matching.labels import MEDIA_PREFIX_HEX, Label, LabelKind, decode_label
from vidi.store.models import HashList, HashListEntry, Media, VideoFrame
from vidi.store.queries import in_chunks

QUERY_CHUNK = 500


def hamming(a: str, b: str) -> int:
    """Bits that differ between two hex hashes of the same length."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


@dataclass(frozen=True, slots=True)
class MediaRef:
    sha256: str
    pdq: str
    quality: int
    media_type: str
    first_case_id: int | None
    category: str | None
    size: int


@dataclass(frozen=True, slots=True)
class FrameRef:
    id: int
    media_sha256: str
    frame_number: int
    timestamp_s: float
    pdq: str
    quality: int


@dataclass(frozen=True, slots=True)
class EntryRef:
    id: int
    hashlist_id: int
    list_name: str
    ignorable: bool
    category: str | None
    pdq: str | None


@dataclass
class Resolved:
    """What a batch of labels names; a media label may name more than one media row."""

    media: dict[int, list[MediaRef]] = field(default_factory=dict)
    frames: dict[int, FrameRef] = field(default_factory=dict)
    entries: dict[int, EntryRef] = field(default_factory=dict)


def resolve_labels(session: Session, labels: Iterable[int]) -> Resolved:
    """Fetch the rows behind the labels (unknown labels — stale index rows — are left out)."""
    by_kind: dict[LabelKind, dict[int, int]] = {kind: {} for kind in LabelKind}
    for label in set(labels):
        decoded = decode_label(label)
        by_kind[decoded.kind][label] = decoded.payload
    resolved = Resolved()
    for label, ref in _frames(session, by_kind[LabelKind.FRAME]).items():
        resolved.frames[label] = ref
    for label, entry in _entries(session, by_kind[LabelKind.ENTRY]).items():
        resolved.entries[label] = entry
    resolved.media = _media(session, by_kind[LabelKind.MEDIA])
    return resolved


def _frames(session: Session, labels: dict[int, int]) -> dict[int, FrameRef]:
    label_of = {payload: label for label, payload in labels.items()}
    found: dict[int, FrameRef] = {}
    for ids in in_chunks(list(label_of), QUERY_CHUNK):
        rows = session.execute(
            select(
                VideoFrame.id,
                VideoFrame.media_sha256,
                VideoFrame.frame_number,
                VideoFrame.timestamp_s,
                VideoFrame.pdq,
                VideoFrame.quality,
            ).where(VideoFrame.id.in_(ids))
        )
        for row in rows:
            found[label_of[row[0]]] = FrameRef(*row)
    return found


def _entries(session: Session, labels: dict[int, int]) -> dict[int, EntryRef]:
    label_of = {payload: label for label, payload in labels.items()}
    found: dict[int, EntryRef] = {}
    for ids in in_chunks(list(label_of), QUERY_CHUNK):
        rows = session.execute(
            select(
                HashListEntry.id,
                HashListEntry.hashlist_id,
                HashList.name,
                HashList.ignorable,
                HashListEntry.category,
                HashListEntry.pdq,
            )
            .join(HashList, HashList.id == HashListEntry.hashlist_id)
            .where(HashListEntry.id.in_(ids))
        )
        for row in rows:
            found[label_of[row[0]]] = EntryRef(*row)
    return found


def _media(session: Session, labels: dict[int, int]) -> dict[int, list[MediaRef]]:
    prefixes = {
        Label(LabelKind.MEDIA, payload).sha256_prefix: lbl for lbl, payload in labels.items()
    }
    found: dict[int, list[MediaRef]] = {}
    keys = sorted(prefixes)
    for start in range(0, len(keys), 100):
        ranges = [
            and_(Media.sha256 >= p, Media.sha256 < p + "g") for p in keys[start : start + 100]
        ]
        rows = session.execute(
            select(
                Media.sha256,
                Media.pdq,
                Media.pdq_quality,
                Media.media_type,
                Media.first_case_id,
                Media.category,
                Media.size,
            ).where(or_(*ranges), Media.pdq.is_not(None))
        )
        for sha, pdq, quality, media_type, case_id, category, size in rows:
            ref = MediaRef(sha, pdq or "", quality or 0, media_type, case_id, category, size)
            label = prefixes[sha[:MEDIA_PREFIX_HEX]]
            found.setdefault(label, []).append(ref)
    return found
