"""Grading: a media item's category in a case, by whom and when, with its history.

The category set is the VICS US one unless the case chose its own (digit key n grades
with the n-th word). A grade replaces the item's current one and keeps the old row
(``current`` false), so who graded what, and when, stays readable. Grading a group
grades the item and its near-duplicates in the case (exact copies are one media row
already); "page not pertinent" grades every item shown on a page at once.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from vidi import audit
from vidi.errors import InvalidInput
from vidi.hashlists import VICS_CATEGORY_NAMES
from vidi.matching.export import check_category
from vidi.series.series import checked_media
from vidi.store.models import Case, Grade, GradeScale, Media
from vidi.store.queries import case_media, in_chunks

VICS_SCALE: tuple[str, ...] = tuple(
    VICS_CATEGORY_NAMES[code] for code in sorted(VICS_CATEGORY_NAMES)
)
"""The VICS US categories in code order: key 0 is non-pertinent, 1 csam, and so on."""

NOT_PERTINENT = VICS_CATEGORY_NAMES[0]
MAX_KEYS = 10
"""Digit keys 0-9: a case's category set has at most ten words."""


def grade_scale(session: Session, case: Case) -> tuple[str, ...]:
    chosen = session.get(GradeScale, case.id)
    return tuple(chosen.categories) if chosen is not None else VICS_SCALE


def set_grade_scale(
    session: Session, case: Case, categories: Sequence[str], actor: str
) -> tuple[str, ...]:
    """The case's own category words (each one Vidi knows); non-pertinent must be one."""
    words: list[str] = []
    for given in categories:
        word = check_category(given)
        if word is None:
            raise InvalidInput("a category set has no 'none'")
        if word not in words:
            words.append(word)
    if not 1 <= len(words) <= MAX_KEYS:
        raise InvalidInput(f"a category set has 1 to {MAX_KEYS} words (digit keys 0-9)")
    if NOT_PERTINENT not in words:
        raise InvalidInput(f"a category set must hold {NOT_PERTINENT!r} (the page key uses it)")
    row = session.get(GradeScale, case.id)
    if row is None:
        session.add(GradeScale(case_id=case.id, categories=words))
    else:
        row.categories = words
    audit.record(session, "grade.scale", f"case:{case.id}", {"categories": words}, actor)
    return tuple(words)


def checked_grade(session: Session, case: Case, category: str) -> str:
    word = category.strip().lower()
    scale = grade_scale(session, case)
    if word.isdigit() and int(word) < len(scale):
        return scale[int(word)]
    if word not in scale:
        raise InvalidInput(
            f"unknown category {category!r} for this case; use one of {', '.join(scale)}"
        )
    return word


def grade(
    session: Session, case: Case, sha256s: Sequence[str], category: str, actor: str
) -> tuple[str, list[str]]:
    """Give the media (all of CASE) the category; one audit event per item."""
    chosen = checked_grade(session, case, category)
    media = checked_media(session, case, sha256s)
    for chunk in in_chunks(media):
        session.execute(
            update(Grade)
            .where(Grade.case_id == case.id, Grade.media_sha256.in_(chunk), Grade.current.is_(True))
            .values(current=False)
        )
    session.add_all(
        Grade(case_id=case.id, media_sha256=s, category=chosen, grader=actor, current=True)
        for s in media
    )
    session.flush()
    for sha in media:
        audit.record(session, "grade", f"media:{sha}", {"case": case.id, "category": chosen}, actor)
    return chosen, media


def group_of(session: Session, case: Case, sha256: str) -> list[str]:
    """The item and its near-duplicates in CASE (the item first)."""
    [item] = checked_media(session, case, [sha256])
    group = session.scalar(select(Media.group_id).where(Media.sha256 == item))
    if group is None:
        return [item]
    others = session.scalars(
        select(Media.sha256)
        .where(Media.group_id == group, Media.sha256 != item, Media.sha256.in_(case_media(case.id)))
        .order_by(Media.sha256)
    )
    return [item, *others]


def current_grades(
    session: Session, case: Case, sha256s: Sequence[str]
) -> dict[str, tuple[str, str]]:
    """sha256 → (category, grader) for the items that have a current grade."""
    out: dict[str, tuple[str, str]] = {}
    for chunk in in_chunks(list(sha256s)):
        rows = session.execute(
            select(Grade.media_sha256, Grade.category, Grade.grader).where(
                Grade.case_id == case.id, Grade.media_sha256.in_(chunk), Grade.current.is_(True)
            )
        )
        out.update({sha: (category, grader) for sha, category, grader in rows})
    return out


def grade_history(session: Session, case: Case, sha256: str) -> list[Grade]:
    [item] = checked_media(session, case, [sha256])
    return list(
        session.scalars(
            select(Grade)
            .where(Grade.case_id == case.id, Grade.media_sha256 == item)
            .order_by(Grade.id)
        )
    )


def progress(session: Session, case: Case) -> tuple[int, int, dict[str, int], dict[str, int]]:
    """(media in the case, reviewed, per category, per grader of a current grade)."""
    media = session.scalar(select(func.count()).select_from(case_media(case.id).subquery())) or 0
    current = (Grade.case_id == case.id, Grade.current.is_(True))
    reviewed = session.scalar(select(func.count()).select_from(Grade).where(*current)) or 0
    by_category = {
        category: n
        for category, n in session.execute(
            select(Grade.category, func.count()).where(*current).group_by(Grade.category)
        )
    }
    by_user = {
        grader: n
        for grader, n in session.execute(
            select(Grade.grader, func.count()).where(*current).group_by(Grade.grader)
        )
    }
    return media, reviewed, by_category, by_user
