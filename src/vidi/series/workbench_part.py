"""Series, grading and clue review as Workbench methods (``class Workbench(SeriesPart, …)``).

Each method takes ``who``: an :class:`Identity` from the web (the case is then its id,
WHO must be a member, and a change needs the role investigator or admin), or None
for the command line (the case is its name and the local user is the actor). The
checks live here, so they hold for any caller, not only for the web's routes.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from vidi.series.types import (
    CaseClue,
    ClueSummary,
    ClueVerdict,
    Graded,
    GradeProgress,
    GradeScaleInfo,
    Proposal,
    ProposalReason,
    SeriesChange,
    SeriesInfo,
    SeriesPage,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.orm import Session

    from vidi.accounts.types import Identity
    from vidi.places.clue import Region
    from vidi.store.db import Database
    from vidi.store.models import Case, Clue, ClueReview, Series, SeriesProposal


class SeriesPart:
    """Series (create, add, merge, split, proposals), grades and clue verdicts."""

    if TYPE_CHECKING:

        @property
        def db(self) -> Database: ...

    @contextmanager
    def _case_work(
        self, case: int | str, who: Identity | None, *, change: bool
    ) -> Iterator[tuple[Session, Case, str]]:
        """A session, the case (checked for WHO) and the actor's name for the audit trail."""
        from vidi.accounts.access import member_case, require_role
        from vidi.accounts.types import NotSignedIn, Role, Stage
        from vidi.audit import current_actor
        from vidi.cases import get_case

        with self.db.session() as session:
            if who is None:
                yield session, get_case(session, str(case)), current_actor()
                return
            if who.stage is not Stage.FULL:
                raise NotSignedIn("finish signing in first")
            found = member_case(session, who, int(case))
            if change:
                require_role(who, Role.ADMIN, Role.INVESTIGATOR)
            yield session, found, who.name

    # Series

    def create_series(self, case: int | str, name: str, who: Identity | None = None) -> SeriesInfo:
        from vidi.series.series import create_series

        with self._case_work(case, who, change=True) as (session, found, actor):
            return _series_info(create_series(session, found, name, actor), 0)

    def series_list(self, case: int | str, who: Identity | None = None) -> list[SeriesInfo]:
        from vidi.series.series import list_series, member_counts

        with self._case_work(case, who, change=False) as (session, found, _):
            chosen = list_series(session, found)
            counts = member_counts(session, [s.id for s in chosen])
            return [_series_info(s, counts.get(s.id, 0)) for s in chosen]

    def series_page(self, case: int | str, series: int, who: Identity | None = None) -> SeriesPage:
        """The series' media, the clues they carry and its own estimate with reasons."""
        from vidi.estimates import estimate_media_set
        from vidi.series.proposals import open_count
        from vidi.series.series import case_series, clue_summary, series_media

        with self._case_work(case, who, change=False) as (session, found, _):
            chosen = case_series(session, found, series)
            media = series_media(session, chosen)
            clues = tuple(ClueSummary(*row) for row in clue_summary(session, media))
            estimate = estimate_media_set(session, media, found.id)
            waiting = open_count(session, chosen)
            return SeriesPage(
                _series_info(chosen, len(media)), tuple(media), clues, estimate, waiting
            )

    def series_media(self, case: int | str, series: int, who: Identity | None = None) -> list[str]:
        from vidi.series.series import case_series, series_media

        with self._case_work(case, who, change=False) as (session, found, _):
            return series_media(session, case_series(session, found, series))

    def add_to_series(
        self, case: int | str, series: int, media: Sequence[str], who: Identity | None = None
    ) -> SeriesChange:
        """Put one or many media items of the case in the series (audited)."""
        from vidi.series.series import add_media, live_series

        with self._case_work(case, who, change=True) as (session, found, actor):
            chosen = live_series(session, found, series)
            added = add_media(session, found, chosen, media, actor)
            return SeriesChange("add", chosen.id, tuple(added))

    def merge_series(
        self, case: int | str, into: int, other: int, who: Identity | None = None
    ) -> SeriesChange:
        """Move OTHER's media into INTO; OTHER then points to INTO."""
        from vidi.series.series import live_series, merge_series

        with self._case_work(case, who, change=True) as (session, found, actor):
            target = live_series(session, found, into)
            moved = merge_series(session, found, target, live_series(session, found, other), actor)
            return SeriesChange("merge", target.id, tuple(moved), other)

    def split_series(
        self,
        case: int | str,
        series: int,
        media: Sequence[str],
        name: str,
        who: Identity | None = None,
    ) -> SeriesChange:
        """Move the named media of the series to a new series called NAME."""
        from vidi.series.series import live_series, split_series

        with self._case_work(case, who, change=True) as (session, found, actor):
            chosen = live_series(session, found, series)
            new = split_series(session, found, chosen, media, name, actor)
            return SeriesChange(
                "split", chosen.id, tuple(dict.fromkeys(m.lower() for m in media)), new.id
            )

    def series_proposals(
        self,
        case: int | str,
        series: int,
        who: Identity | None = None,
        *,
        after: int = 0,
        limit: int | None = None,
    ) -> list[Proposal]:
        """The media Vidi proposes for the series now, each with its reasons.

        New candidates are looked for first (a bounded amount of work; at most
        ``MAX_OPEN`` proposals are open at once); then a page of the open ones, oldest
        first: LIMIT of them (all when None) with an id above AFTER (keyset paging).
        """
        from vidi.series.proposals import MAX_OPEN, open_proposals, refresh_proposals
        from vidi.series.series import live_series

        with self._case_work(case, who, change=False) as (session, found, _):
            chosen = live_series(session, found, series)
            refresh_proposals(session, found, chosen)
            page = open_proposals(session, chosen, after, MAX_OPEN if limit is None else limit)
            return [_proposal(p) for p in page]

    def decide_proposal(
        self,
        case: int | str,
        series: int,
        proposal: int,
        accept: bool,
        who: Identity | None = None,
    ) -> Proposal:
        """Accept (the media joins the series) or reject a proposal; audited."""
        from vidi.series.proposals import decide
        from vidi.series.series import live_series

        with self._case_work(case, who, change=True) as (session, found, actor):
            chosen = live_series(session, found, series)
            return _proposal(decide(session, found, chosen, proposal, accept, actor))

    # Grading

    def grade_scale(self, case: int | str, who: Identity | None = None) -> GradeScaleInfo:
        from vidi.series.grading import NOT_PERTINENT, grade_scale

        with self._case_work(case, who, change=False) as (session, found, _):
            return GradeScaleInfo(found.id, grade_scale(session, found), NOT_PERTINENT)

    def set_grade_scale(
        self, case: int | str, categories: Sequence[str], who: Identity | None = None
    ) -> GradeScaleInfo:
        from vidi.series.grading import NOT_PERTINENT, set_grade_scale

        with self._case_work(case, who, change=True) as (session, found, actor):
            return GradeScaleInfo(
                found.id, set_grade_scale(session, found, categories, actor), NOT_PERTINENT
            )

    def grade(
        self, case: int | str, media: Sequence[str], category: str, who: Identity | None = None
    ) -> Graded:
        """Give each media item the category in the case (a word of its set, or its digit)."""
        from vidi.series.grading import grade

        with self._case_work(case, who, change=True) as (session, found, actor):
            chosen, graded = grade(session, found, media, category, actor)
            return Graded(found.id, chosen, tuple(graded), actor)

    def grade_group(
        self, case: int | str, sha256: str, category: str, who: Identity | None = None
    ) -> Graded:
        """Grade the item and its exact and near-duplicate copies in the case."""
        from vidi.series.grading import grade, group_of

        with self._case_work(case, who, change=True) as (session, found, actor):
            chosen, graded = grade(
                session, found, group_of(session, found, sha256), category, actor
            )
            return Graded(found.id, chosen, tuple(graded), actor)

    def grade_not_pertinent(
        self, case: int | str, media: Sequence[str], who: Identity | None = None
    ) -> Graded:
        """Grade every item shown on a page as not pertinent."""
        from vidi.series.grading import NOT_PERTINENT

        return self.grade(case, media, NOT_PERTINENT, who)

    def media_group(self, case: int | str, sha256: str, who: Identity | None = None) -> list[str]:
        """The item and its near-duplicates in the case (what grading the group would grade)."""
        from vidi.series.grading import group_of

        with self._case_work(case, who, change=False) as (session, found, _):
            return group_of(session, found, sha256)

    def grades(
        self, case: int | str, media: Sequence[str], who: Identity | None = None
    ) -> dict[str, tuple[str, str]]:
        """sha256 → (category, grader) of the current grade, for the items that have one."""
        from vidi.series.grading import current_grades

        with self._case_work(case, who, change=False) as (session, found, _):
            return current_grades(session, found, media)

    def grading_progress(self, case: int | str, who: Identity | None = None) -> GradeProgress:
        """Reviewed and unreviewed media of the case, per category and per grader."""
        from vidi.series.grading import progress

        with self._case_work(case, who, change=False) as (session, found, _):
            media, reviewed, by_category, by_user = progress(session, found)
            return GradeProgress(found.id, media, reviewed, media - reviewed, by_category, by_user)

    # Clues

    def case_media_clues(
        self, case: int | str, sha256: str, who: Identity | None = None
    ) -> list[CaseClue]:
        """The media item's clues with their verdicts."""
        from vidi.series.clue_review import media_clues_with_verdicts

        with self._case_work(case, who, change=False) as (session, found, _):
            return [_case_clue(c, r) for c, r in media_clues_with_verdicts(session, found, sha256)]

    def add_case_clue(
        self,
        case: int | str,
        sha256: str,
        kind: str,
        value: str,
        *,
        region: Region | None = None,
        note: str | None = None,
        who: Identity | None = None,
    ) -> CaseClue:
        """A clue an investigator recognised (language heard, object, logo, place), with an
        optional region x, y, w, h on the picture; audited."""
        from vidi.series.clue_review import add_hand_clue

        with self._case_work(case, who, change=True) as (session, found, actor):
            clue = add_hand_clue(session, found, sha256, kind, value, actor, region, note)
            return _case_clue(clue, None)

    def review_clue(
        self, case: int | str, clue: int, verdict: str, who: Identity | None = None
    ) -> ClueVerdict:
        """Confirm or reject a clue of the case's media; a rejected one stops counting."""
        from vidi.series.clue_review import case_clue, review_clue

        with self._case_work(case, who, change=True) as (session, found, actor):
            review = review_clue(session, found, clue, verdict, actor)
            row = case_clue(session, found, clue)
            return ClueVerdict(
                row.id,
                row.media_sha256,
                row.kind,
                row.value,
                review.verdict,
                review.reviewer,
                review.reviewed_at,
            )

    def search_case_text(
        self, case: int | str, words: str, who: Identity | None = None
    ) -> list[CaseClue]:
        """Clues of the case whose OCR, QR or barcode text holds every word."""
        from vidi.series.clue_review import search_clue_text

        with self._case_work(case, who, change=False) as (session, found, _):
            return [_case_clue(c, None) for c in search_clue_text(session, found, words)]


def _series_info(series: Series, media: int) -> SeriesInfo:
    return SeriesInfo(
        series.id,
        series.case_id,
        series.name,
        media,
        series.created_by,
        series.created_at,
        series.merged_into_id,
    )


def _proposal(proposal: SeriesProposal) -> Proposal:
    reasons = tuple(ProposalReason(r["kind"], r["detail"]) for r in proposal.reasons)
    return Proposal(
        proposal.id,
        proposal.series_id,
        proposal.media_sha256,
        reasons,
        proposal.state,
        proposal.decided_by,
    )


def _case_clue(clue: Clue, review: ClueReview | None) -> CaseClue:
    from vidi.places.clue import Region

    return CaseClue(
        clue.id,
        clue.media_sha256,
        clue.kind,
        clue.value,
        clue.confidence,
        Region.from_stored(clue.region),
        clue.extractor,
        clue.author,
        review.verdict if review else None,
        review.reviewer if review else None,
    )
