"""The review workflows as Workbench methods (``class Workbench(..., ReviewPart)``).

Each takes the signed-in :class:`~vidi.accounts.Identity` and checks case membership
(and the role, for clear pictures and the audit page) before it reads anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vidi.accounts.types import Identity, Picture, Role
from vidi.store.models import Case

if TYPE_CHECKING:
    from vidi.config import Settings
    from vidi.review.casepage import HashListUse, SourceInfo
    from vidi.review.detail import MediaDetail
    from vidi.review.grid import GridFilter, GridPage, GridView
    from vidi.review.trail import TrailEvent
    from vidi.store.db import Database


class ReviewPart:
    """The review grid, a media item's page, the full-size view, a case's audit trail."""

    if TYPE_CHECKING:
        settings: Settings

        @property
        def db(self) -> Database: ...

    def review_grid(
        self,
        who: Identity,
        case_id: int,
        chosen: GridFilter,
        cursor: str | None = None,
        limit: int = 48,
    ) -> GridPage:
        """A page of the case's media, new first, that CHOSEN lets through (keyset paging)."""
        from vidi.review.grid import grid_page

        listed = self._listed_case(who, case_id)
        with self.db.session() as session:
            return grid_page(session, listed, chosen, cursor, limit)

    def review_grid_view(
        self,
        who: Identity,
        case_id: int,
        chosen: GridFilter,
        cursor: str | None = None,
        limit: int = 48,
    ) -> GridView:
        """As :meth:`review_grid`, with the sources and series its filters offer, read in
        the same transaction (the grid page's one call after the listing)."""
        from vidi.review.casepage import case_sources
        from vidi.review.grid import GridView, grid_page
        from vidi.series.series import list_series, member_counts
        from vidi.series.workbench_part import _series_info

        listed = self._listed_case(who, case_id)
        with self.db.session() as session:
            page = grid_page(session, listed, chosen, cursor, limit)
            series = list_series(session, session.get_one(Case, listed))
            counts = member_counts(session, [s.id for s in series])
            return GridView(
                page,
                tuple(case_sources(session, listed)),
                tuple(_series_info(s, counts.get(s.id, 0)) for s in series),
            )

    def media_page(self, who: Identity, case_id: int, sha256: str) -> MediaDetail:
        """Where the item was found, what it matches, its clues and its country estimate."""
        from vidi.accounts.access import case_media, member_case
        from vidi.accounts.workbench_part import _full
        from vidi.review.detail import media_detail

        with self.db.session() as session:
            case = member_case(session, _full(who), case_id)
            return media_detail(session, case, case_media(session, case, sha256))

    def full_picture(self, who: Identity, case_id: int, sha256: str) -> Picture:
        """The picture at full size (investigators and admins): audited and counted as a reveal."""
        from vidi.accounts.access import case_media, member_case, require_role
        from vidi.accounts.workbench_part import _full
        from vidi.audit import record
        from vidi.review.pictures import full_jpeg
        from vidi.store.models import UserAccount, WebSession

        with self.db.session() as session:
            case = member_case(session, _full(who), case_id)
            media = case_media(session, case, sha256)
            require_role(who, Role.ADMIN, Role.INVESTIGATOR)
            data = full_jpeg(session, self.settings, media)
            for row in (
                session.get(WebSession, who.session_id),
                session.get(UserAccount, who.user_id),
            ):
                if row is not None:
                    row.reveals += 1
            record(session, "view-full", f"media:{media.sha256}", {"case": case.id}, actor=who.name)
        return Picture(data, "image/jpeg", "", clear=True)

    def case_sources(self, who: Identity, case_id: int) -> list[SourceInfo]:
        """The case's sources (the grid's source filter)."""
        from vidi.accounts.access import member_case
        from vidi.accounts.workbench_part import _full
        from vidi.review.casepage import case_sources

        with self.db.session() as session:
            return case_sources(session, member_case(session, _full(who), case_id).id)

    def case_hashlists(self, who: Identity, case_id: int) -> list[HashListUse]:
        """The hash lists and how many of the case's media each one matches."""
        from vidi.review.casepage import case_hashlists

        listed = self._listed_case(who, case_id)
        with self.db.session() as session:
            return case_hashlists(session, listed)

    def case_trail(
        self, who: Identity, case_id: int, before: int | None = None
    ) -> list[TrailEvent]:
        """The audit events about the case, newest first (admins who are members only)."""
        from vidi.accounts.access import member_case, require_role
        from vidi.accounts.workbench_part import _full
        from vidi.review.trail import case_trail

        with self.db.session() as session:
            case = member_case(session, _full(who), case_id)
            require_role(who, Role.ADMIN)
            return case_trail(session, case, before)

    def _listed_case(self, who: Identity, case_id: int) -> int:
        """The case's id once WHO is a member, with its media listed in ``case_media``.

        The listing commits before the page's query; after a large one the planner's
        statistics are renewed (they only see committed rows).
        """
        from vidi.accounts.access import member_case
        from vidi.accounts.workbench_part import _full
        from vidi.review.grid import ANALYZE_AFTER, renew_statistics, sync_case_media

        with self.db.session() as session:
            case_id = member_case(session, _full(who), case_id).id
            added = sync_case_media(session, case_id)
        if added >= ANALYZE_AFTER:
            with self.db.session() as session:
                renew_statistics(session)
        return case_id
