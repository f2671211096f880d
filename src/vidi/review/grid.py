"""The review grid: a case's media, new first, a page at a time, however many there are.

Pages are keyset pages: a page ends with a cursor (the status group and the last
SHA-256 shown), and the next page starts after it, so page 500 costs what page 1 does.
The media are walked in SHA-256 order through ``case_media`` (each media item of the
case once), one status group after the other: new, near-known, known, ignorable; the
statuses are those of :mod:`vidi.matching.review`, written here as SQL conditions so
the database filters while it walks.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, exists, false, func, literal, not_, or_, select, text
from sqlalchemy.orm import Session, aliased

from vidi.errors import InvalidInput
from vidi.matching.matcher import EXACT_KINDS, NEAR_KINDS
from vidi.matching.review import best_category
from vidi.places.evidence import COUNTRY_KINDS
from vidi.store.models import (
    CaseMedia,
    CaseMediaSync,
    Clue,
    HashList,
    HashListEntry,
    Match,
    Media,
    Occurrence,
    Source,
)
from vidi.store.queries import insert_ignoring_duplicates

if TYPE_CHECKING:
    from vidi.review.casepage import SourceInfo
    from vidi.series.types import SeriesInfo

GROUPS: tuple[str, ...] = ("new", "near-known", "known", "ignorable")
"""The review order: what may show a child still at risk first, what is known last."""
GRID_STATUSES_HELP = "new, near-known, known or ignorable"
PAGE_SIZE = 48
MAX_PAGE_SIZE = 200
SYNC_SLACK = 20_000
"""Occurrences read again behind the last sync: an ingest's rows that committed late."""
ANALYZE_AFTER = 50_000
"""Occurrences read by one sync after which PostgreSQL's statistics of case_media are renewed."""
NAMING_KINDS = tuple(sorted(COUNTRY_KINDS | {"gs1_country"}))
"""Clue kinds whose value names a country: the 'country suggested' filter."""


@dataclass(frozen=True)
class GridFilter:
    """What the grid shows; every field None shows everything, new first."""

    status: str | None = None
    category: str | None = None
    media_type: str | None = None
    clue_kind: str | None = None
    country: str | None = None
    source_id: int | None = None
    series_id: int | None = None
    ungraded: bool = False
    """Only media with no current grade in the case."""
    graded_by: str | None = None
    """Only media whose current grade in the case is this user's."""

    def __post_init__(self) -> None:
        if self.status is not None and self.status not in GROUPS:
            raise InvalidInput(f"unknown status {self.status!r}; choose one of {GROUPS}")
        if self.category is not None and self.status not in (None, "known"):
            raise InvalidInput("a category filter shows known media; leave the status out")

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None and v is not False}


@dataclass(frozen=True)
class GridItem:
    sha256: str
    media_type: str
    status: str
    category: str | None
    width: int | None
    height: int | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class GridPage:
    """One page of the grid and the cursor of the next (None on the last page)."""

    items: tuple[GridItem, ...]
    next_cursor: str | None
    filter: GridFilter

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": [i.to_dict() for i in self.items],
            "next_cursor": self.next_cursor,
            "filter": self.filter.to_dict(),
        }


@dataclass(frozen=True)
class GridView:
    """A grid page and what its filters offer: the case's sources and series."""

    page: GridPage
    sources: tuple[SourceInfo, ...]
    series: tuple[SeriesInfo, ...]


def parse_cursor(cursor: str | None) -> tuple[int, str]:
    """(group index, last SHA-256) from 'new:abcd…'; the start for None."""
    if not cursor:
        return 0, ""
    group, _, after = cursor.partition(":")
    if group not in GROUPS or len(after) != 64 or not _is_hex(after):
        raise InvalidInput("a grid cursor is STATUS:SHA256 as given by the previous page")
    return GROUPS.index(group), after.lower()


def grid_page(
    session: Session,
    case_id: int,
    chosen: GridFilter,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> GridPage:
    """LIMIT media of the case after CURSOR, in review order, that CHOSEN lets through.

    ``case_media`` must be up to date (:func:`sync_case_media`, in its own transaction).
    """
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInput(f"a page holds 1 to {MAX_PAGE_SIZE} items")
    start, after = parse_cursor(cursor)
    items: list[GridItem] = []
    conditions = Conditions.read(session, case_id)
    for index in range(start, len(GROUPS)):
        group = GROUPS[index]
        if chosen.status is not None and chosen.status != group:
            continue
        if chosen.category is not None and group != "known":
            continue
        wanted = limit - len(items) + 1  # one more tells whether a next page exists
        query, key = walk(case_id, chosen)
        rows = session.execute(
            query.where(
                key > (after if index == start else ""),
                conditions.status(group),
                *conditions.chosen(chosen),
            )
            .order_by(key)
            .limit(wanted)
        ).all()
        for sha, media_type, width, height, category in rows:
            items.append(GridItem(sha, media_type, group, category, width, height))
        if len(items) > limit:
            break
    more = len(items) > limit
    items = items[:limit]
    categories = known_categories(session, [i.sha256 for i in items if i.status == "known"])
    shown = tuple(
        GridItem(
            i.sha256,
            i.media_type,
            i.status,
            i.category or categories.get(i.sha256),
            i.width,
            i.height,
        )
        for i in items
    )
    next_cursor = f"{shown[-1].status}:{shown[-1].sha256}" if more and shown else None
    return GridPage(shown, next_cursor, chosen)


def walk(case_id: int, chosen: GridFilter) -> tuple[Any, Any]:
    """The query to page through, and the SHA-256 column it walks in index order.

    A selective filter leads: the clue kind, the series or the source is walked in its
    own index ((kind, media), (series, media), (source, media)) and each row is checked
    against the case, so a filter that few media meet costs no walk over the whole case.
    """
    columns = (Media.sha256, Media.media_type, Media.width, Media.height, Media.category)
    in_case = select(*columns).join(CaseMedia, CaseMedia.media_sha256 == Media.sha256)
    if chosen.clue_kind is not None:
        # Each media item once, walked in the (kind, media) index: no sort, no DISTINCT
        # over the page's columns (that would sort every match before the first page).
        marked = (
            select(Clue.media_sha256).where(Clue.kind == chosen.clue_kind).distinct().subquery()
        )
        query = (
            select(*columns)
            .select_from(marked)
            .join(
                CaseMedia,
                and_(CaseMedia.case_id == case_id, CaseMedia.media_sha256 == marked.c.media_sha256),
            )
            .join(Media, Media.sha256 == marked.c.media_sha256)
        )
        return query, marked.c.media_sha256
    if chosen.series_id is not None:
        from vidi.store.models import Series, SeriesMember

        query = (
            select(*columns)
            .select_from(SeriesMember)
            .join(Media, Media.sha256 == SeriesMember.media_sha256)
            .join(Series, Series.id == SeriesMember.series_id)
            .where(SeriesMember.series_id == chosen.series_id, Series.case_id == case_id)
        )
        return query, SeriesMember.media_sha256
    if chosen.source_id is not None:
        held = (
            select(Occurrence.media_sha256)
            .where(Occurrence.source_id == chosen.source_id)
            .distinct()
            .subquery()
        )
        query = (
            select(*columns)
            .select_from(held)
            .join(
                CaseMedia,
                and_(CaseMedia.case_id == case_id, CaseMedia.media_sha256 == held.c.media_sha256),
            )
            .join(Media, Media.sha256 == held.c.media_sha256)
        )
        return query, held.c.media_sha256
    return in_case.where(CaseMedia.case_id == case_id), CaseMedia.media_sha256


class Conditions:
    """The review statuses and the filters as SQL conditions on ``Media`` for one case.

    The hash lists are few, so their ids are read first: a condition names the lists
    instead of joining ``hashlist`` (which leads the planner to join every match), and
    one that no list can meet (no ignore list imported) is left out.
    """

    def __init__(self, case_id: int, lists: dict[bool, tuple[int, ...]]) -> None:
        self.case_id = case_id
        self.lists = lists

    @classmethod
    def read(cls, session: Session, case_id: int) -> Conditions:
        lists: dict[bool, list[int]] = {True: [], False: []}
        for list_id, ignorable in session.execute(select(HashList.id, HashList.ignorable)):
            lists[bool(ignorable)].append(list_id)
        return cls(case_id, {k: tuple(v) for k, v in lists.items()})

    def on_lists(self, ignorable: bool, kinds: tuple[str, ...]) -> Any:
        """A match of KINDS on a hash list (an ignore list when IGNORABLE), or None."""
        if not self.lists[ignorable]:
            return None
        return (
            select(Match.id)
            .join(HashListEntry, HashListEntry.id == Match.hashlist_entry_id)
            .where(
                Match.media_sha256 == Media.sha256,
                Match.kind.in_(kinds),
                HashListEntry.hashlist_id.in_(self.lists[ignorable]),
            )
        )

    def listed(self, ignorable: bool, category: str | None = None) -> ColumnElement[bool]:
        """An exact match on a hash list (an ignore list when IGNORABLE)."""
        query = self.on_lists(ignorable, EXACT_KINDS)
        if query is None:
            return false()
        if category is not None:
            query = query.where(Match.category == category)
        return exists(query)

    def seen_elsewhere(self) -> ColumnElement[bool]:
        return or_(Media.first_case_id.is_(None), Media.first_case_id != self.case_id)

    def known(self) -> ColumnElement[bool]:
        return or_(self.seen_elsewhere(), self.listed(False))

    def near(self) -> ColumnElement[bool]:
        """A near match of a (non-ignore) list entry or of media first seen elsewhere."""
        other = aliased(Media)
        to_entry = self.on_lists(False, NEAR_KINDS)
        to_media = (
            select(Match.id)
            .join(other, other.sha256 == Match.other_sha256)
            .where(
                Match.media_sha256 == Media.sha256,
                Match.kind.in_(NEAR_KINDS),
                or_(other.first_case_id.is_(None), other.first_case_id != self.case_id),
            )
        )
        return exists(to_media) if to_entry is None else or_(exists(to_entry), exists(to_media))

    def status(self, group: str) -> ColumnElement[bool]:
        unknown = and_(not_(self.known()), not_(self.listed(True)))  # false() folds away
        return {
            "new": and_(unknown, not_(self.near())),
            "near-known": and_(unknown, self.near()),
            "known": self.known(),
            "ignorable": and_(not_(self.known()), self.listed(True)),
        }[group]

    def chosen(self, chosen: GridFilter) -> list[ColumnElement[bool]]:
        """The filters :func:`walk` does not already apply by its choice of index."""
        found: list[ColumnElement[bool]] = []
        if chosen.category is not None:
            found.append(
                or_(
                    Media.category == chosen.category,
                    and_(Media.category.is_(None), self.listed(False, chosen.category)),
                )
            )
        if chosen.media_type is not None:
            found.append(Media.media_type == chosen.media_type)
        if chosen.country is not None:
            found.append(
                exists(
                    select(Clue.id).where(
                        Clue.kind.in_(NAMING_KINDS),
                        Clue.media_sha256 == Media.sha256,
                        func.upper(Clue.value) == chosen.country.upper(),
                    )
                )
            )
        if chosen.source_id is not None and (chosen.clue_kind or chosen.series_id):
            found.append(
                exists(
                    select(Occurrence.id).where(
                        Occurrence.source_id == chosen.source_id,
                        Occurrence.media_sha256 == Media.sha256,
                    )
                )
            )
        if chosen.series_id is not None and chosen.clue_kind is not None:
            found.append(self.in_series(chosen.series_id))
        if chosen.ungraded:
            found.append(not_(self.graded()))
        if chosen.graded_by is not None:
            found.append(self.graded(chosen.graded_by))
        return found

    def in_series(self, series_id: int) -> ColumnElement[bool]:
        """A member of the series SERIES_ID of this case (a series of another case: none)."""
        from vidi.store.models import Series, SeriesMember

        return exists(
            select(SeriesMember.id)
            .join(Series, Series.id == SeriesMember.series_id)
            .where(
                SeriesMember.series_id == series_id,
                Series.case_id == self.case_id,
                SeriesMember.media_sha256 == Media.sha256,
            )
        )

    def graded(self, grader: str | None = None) -> ColumnElement[bool]:
        """A current grade in this case (by GRADER, when given)."""
        from vidi.store.models import Grade

        query = select(Grade.id).where(
            Grade.case_id == self.case_id,
            Grade.media_sha256 == Media.sha256,
            Grade.current.is_(True),
        )
        if grader is not None:
            query = query.where(Grade.grader == grader)
        return exists(query)


def known_categories(session: Session, shas: list[str]) -> dict[str, str]:
    """The most serious exact-list category of each known item on a page."""
    if not shas:
        return {}
    rows = session.execute(
        select(Match.media_sha256, Match.category)
        .join(HashListEntry, HashListEntry.id == Match.hashlist_entry_id)
        .join(HashList, HashList.id == HashListEntry.hashlist_id)
        .where(
            Match.media_sha256.in_(shas),
            Match.kind.in_(EXACT_KINDS),
            HashList.ignorable.is_(False),
        )
    )
    found: dict[str, list[str | None]] = {}
    for sha, category in rows:
        found.setdefault(sha, []).append(category)
    best = {sha: best_category(cats) for sha, cats in found.items()}
    return {sha: c for sha, c in best.items() if c}


def sync_case_media(session: Session, case_id: int) -> int:
    """List in ``case_media`` the case's media that arrived since the last call; the
    number of occurrences read (the ORM's insert from a select gives no row count).

    Cheap when nothing arrived (one look at the highest occurrence id). Occurrences are
    read again from ``SYNC_SLACK`` rows behind the last mark, so rows that an ingest
    committed after a higher id was already visible are not missed.
    """
    top = session.scalar(select(func.max(Occurrence.id))) or 0
    mark = session.get(CaseMediaSync, case_id)
    if mark is not None and mark.occurrence_upto >= top:
        return 0
    since = max(0, (mark.occurrence_upto if mark else 0) - SYNC_SLACK)
    arrived = (
        select(Occurrence.media_sha256)
        .distinct()
        .join(Source, Source.id == Occurrence.source_id)
        .where(
            Source.case_id == case_id,
            Occurrence.id > since,
            Occurrence.id <= top,
            Occurrence.media_sha256.is_not(None),
        )
    )
    insert = insert_ignoring_duplicates(session)
    new = arrived.subquery()
    # SQLite needs a WHERE in an INSERT … SELECT … ON CONFLICT (its parser's ambiguity).
    rows = select(literal(case_id), new.c.media_sha256).where(new.c.media_sha256.is_not(None))
    session.execute(
        insert(CaseMedia).from_select(["case_id", "media_sha256"], rows).on_conflict_do_nothing()
    )
    session.execute(
        insert(CaseMediaSync)
        .values(case_id=case_id, occurrence_upto=top)
        .on_conflict_do_update(index_elements=["case_id"], set_={"occurrence_upto": top})
    )
    session.flush()
    return top - since


def renew_statistics(session: Session) -> None:
    """Fresh planner statistics for ``case_media`` (PostgreSQL), after a large sync is
    committed: with none, the planner walks the whole case to fill one page."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE case_media"))


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in text)
