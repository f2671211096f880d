"""What each media item of a case is for review: known, near-known, new or ignorable.

- **known**: on a hash list exactly (MD5, SHA-1 or SHA-256) that is not an ignore list,
  or first seen in another case;
- **ignorable**: exactly on an ignore (NSRL-style) list only;
- **near-known**: not known, but a near match (PDQ or video frame) of a hash-list entry
  or of a media item first seen in another case;
- **new**: everything else — what reviewers should see first.

The category is the one an investigator set on the media item, else the most serious
one among its exact hash-list matches (``CATEGORY_PRECEDENCE``). Rows stream a batch at
a time, so a case of millions of media is classified with flat memory.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from vidi.matching.groups import Group, GroupMember, representative
from vidi.matching.matcher import EXACT_KINDS, NEAR_KINDS
from vidi.store.models import HashList, HashListEntry, Match, Media, Occurrence, Source
from vidi.store.queries import case_media

STATUSES: tuple[str, ...] = ("known", "near-known", "new", "ignorable")
CATEGORY_PRECEDENCE: tuple[str, ...] = (
    "csam",
    "exploitive",
    "cgi-animation",
    "comparison",
    "non-pertinent",
    "ignorable",
)
"""Most serious first: a media item on several lists takes the first of these it has."""
STREAM_CHUNK = 1000


@dataclass(frozen=True)
class MediaStatus:
    sha256: str
    md5: str
    sha1: str
    pdq: str | None
    pdq_quality: int | None
    media_type: str
    size: int
    width: int | None
    height: int | None
    group_id: str | None
    status: str
    category: str | None
    nearest_known: float | None
    path: str | None

    REVIEW_FIELDS = (
        "sha256",
        "status",
        "path",
        "group_id",
        "pdq_quality",
        "nearest_known",
        "category",
    )

    def to_dict(self) -> dict[str, Any]:
        """What a reviewer's list shows of the item (``vidi report --new-first --json``)."""
        return {name: getattr(self, name) for name in self.REVIEW_FIELDS}


def best_category(categories: Iterable[str | None]) -> str | None:
    """The most serious category (see ``CATEGORY_PRECEDENCE``); unknown words come after."""
    present = {c for c in categories if c}
    for name in CATEGORY_PRECEDENCE:
        if name in present:
            return name
    return min(present) if present else None


def case_media_status(session: Session, case_id: int) -> Iterator[MediaStatus]:
    """Every media item of the case with its status, in SHA-256 order."""
    members = case_media(case_id).subquery()
    query = (
        select(Media)
        .where(Media.sha256.in_(select(members.c.media_sha256)))
        .order_by(Media.sha256)
        .execution_options(yield_per=STREAM_CHUNK)
    )
    for partition in session.scalars(query).partitions():
        yield from _classify(session, case_id, list(partition))


def _classify(session: Session, case_id: int, media: Sequence[Media]) -> list[MediaStatus]:
    shas = [m.sha256 for m in media]
    exact = _exact_categories(session, shas)
    near = _nearest_known(session, case_id, shas)
    paths = _paths(session, case_id, shas)
    found = []
    for m in media:
        listed = exact.get(m.sha256, {})
        known_cats = listed.get(False)
        if known_cats is not None or m.first_case_id != case_id:
            status, category = "known", m.category or best_category(known_cats or [])
        elif True in listed:
            status, category = "ignorable", m.category or best_category(listed[True])
        else:
            status = "near-known" if m.sha256 in near else "new"
            category = m.category
        found.append(
            MediaStatus(
                sha256=m.sha256,
                md5=m.md5,
                sha1=m.sha1,
                pdq=m.pdq,
                pdq_quality=m.pdq_quality,
                media_type=m.media_type,
                size=m.size,
                width=m.width,
                height=m.height,
                group_id=m.group_id,
                status=status,
                category=category,
                nearest_known=near.get(m.sha256) if status == "near-known" else None,
                path=paths.get(m.sha256),
            )
        )
    return found


def _exact_categories(
    session: Session, shas: Sequence[str]
) -> dict[str, dict[bool, list[str | None]]]:
    """Per media item: the categories of its exact matches, split by ignore list or not."""
    rows = session.execute(
        select(Match.media_sha256, HashList.ignorable, Match.category)
        .join(HashListEntry, HashListEntry.id == Match.hashlist_entry_id)
        .join(HashList, HashList.id == HashListEntry.hashlist_id)
        .where(Match.media_sha256.in_(shas), Match.kind.in_(EXACT_KINDS))
    )
    found: dict[str, dict[bool, list[str | None]]] = {}
    for sha, ignorable, category in rows:
        found.setdefault(sha, {}).setdefault(bool(ignorable), []).append(category)
    return found


def _nearest_known(session: Session, case_id: int, shas: Sequence[str]) -> dict[str, float]:
    """Distance to the nearest non-ignorable list entry or media first seen elsewhere."""
    other = aliased(Media)
    to_entries = (
        select(Match.media_sha256, func.min(Match.distance))
        .join(HashListEntry, HashListEntry.id == Match.hashlist_entry_id)
        .join(HashList, HashList.id == HashListEntry.hashlist_id)
        .where(
            Match.media_sha256.in_(shas),
            Match.kind.in_(NEAR_KINDS),
            HashList.ignorable.is_(False),
        )
        .group_by(Match.media_sha256)
    )
    to_media = (
        select(Match.media_sha256, func.min(Match.distance))
        .join(other, other.sha256 == Match.other_sha256)
        .where(
            Match.media_sha256.in_(shas),
            Match.kind.in_(NEAR_KINDS),
            or_(other.first_case_id != case_id, other.first_case_id.is_(None)),
        )
        .group_by(Match.media_sha256)
    )
    nearest: dict[str, float] = {}
    for query in (to_entries, to_media):
        for sha, distance in session.execute(query):
            nearest[sha] = min(distance, nearest.get(sha, distance))
    return nearest


def _paths(session: Session, case_id: int, shas: Sequence[str]) -> dict[str, str]:
    rows = session.execute(
        select(Occurrence.media_sha256, func.min(Occurrence.path))
        .join(Source, Source.id == Occurrence.source_id)
        .where(Source.case_id == case_id, Occurrence.media_sha256.in_(shas))
        .group_by(Occurrence.media_sha256)
    )
    return {sha: path for sha, path in rows if sha}


def ignorable_files(session: Session, case_id: int) -> int:
    """Files of the case that are not media but whose hash is on an ignore list."""

    def listed(column: Any, occurrence_column: Any) -> Any:
        return exists(
            select(HashListEntry.id)
            .join(HashList, HashList.id == HashListEntry.hashlist_id)
            .where(column == occurrence_column, HashList.ignorable.is_(True))
        )

    query = (
        select(func.count())
        .select_from(Occurrence)
        .join(Source, Source.id == Occurrence.source_id)
        .where(
            Source.case_id == case_id,
            Occurrence.media_sha256.is_(None),
            or_(
                listed(HashListEntry.md5, Occurrence.md5),
                listed(HashListEntry.sha1, Occurrence.sha1),
                listed(HashListEntry.sha256, Occurrence.sha256),
            ),
        )
    )
    return session.scalar(query) or 0


@dataclass(frozen=True)
class KnownSection:
    """The report's "known" section: counts by status, known by category, groups."""

    known: int
    known_by_category: dict[str, int]
    seen_in_earlier_cases: int
    near_known: int
    new: int
    ignorable_media: int
    ignorable_files: int
    near_duplicate_groups: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def known_section(session: Session, case_id: int) -> KnownSection:
    """Count the case's media by status, known media by category, and the groups."""
    statuses: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    groups: Counter[str] = Counter()
    for item in case_media_status(session, case_id):
        statuses[item.status] += 1
        if item.status == "known":
            categories[item.category or "uncategorised"] += 1
        if item.group_id:
            groups[item.group_id] += 1
    earlier_query = select(func.count()).where(
        Media.sha256.in_(case_media(case_id)), Media.first_case_id != case_id
    )
    return KnownSection(
        known=statuses["known"],
        known_by_category=dict(sorted(categories.items())),
        seen_in_earlier_cases=session.scalar(earlier_query) or 0,
        near_known=statuses["near-known"],
        new=statuses["new"],
        ignorable_media=statuses["ignorable"],
        ignorable_files=ignorable_files(session, case_id),
        near_duplicate_groups=sum(1 for n in groups.values() if n > 1),
    )


def new_first(session: Session, case_id: int, limit: int | None = None) -> list[MediaStatus]:
    """The case's new media for review: not near anything known first, then near-known.

    Within each part, members of a near-duplicate group sit together, best picture first.
    """
    wanted = [m for m in case_media_status(session, case_id) if m.status in ("new", "near-known")]

    def order(m: MediaStatus) -> tuple[Any, ...]:
        pixels = (m.width or 0) * (m.height or 0)
        return (m.status != "new", m.group_id or m.sha256, -(m.pdq_quality or 0), -pixels, m.sha256)

    wanted.sort(key=order)
    return wanted[:limit] if limit is not None else wanted


def case_groups(session: Session, case_id: int, min_members: int = 2) -> list[Group]:
    """Near-duplicate groups holding media of the case (members from any case), largest first."""
    group_ids = (
        select(Media.group_id)
        .where(Media.sha256.in_(case_media(case_id)), Media.group_id.is_not(None))
        .distinct()
    )
    rows = session.execute(
        select(
            Media.group_id,
            Media.sha256,
            Media.pdq_quality,
            Media.width,
            Media.height,
            Media.size,
            Media.media_type,
        )
        .where(Media.group_id.in_(group_ids))
        .order_by(Media.group_id, Media.sha256)
    )
    members: dict[str, list[GroupMember]] = {}
    for group_id, sha, quality, width, height, size, media_type in rows:
        assert group_id is not None
        member = GroupMember(sha, quality, width, height, size, media_type)
        members.setdefault(group_id, []).append(member)
    groups = [
        Group(gid, representative(found), tuple(found))
        for gid, found in members.items()
        if len(found) >= min_members
    ]
    return sorted(groups, key=lambda g: (-len(g.members), g.id))
