"""Who may see what: a case only for its members, a media item only through its case.

A case a user is not a member of and a case that does not exist give the same
NotFound, as do a media item outside the case and a hash that exists nowhere: a
guessed id or hash tells nothing.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from vidi.accounts.types import AccessDenied, Identity, Role
from vidi.errors import NotFound
from vidi.store.models import Case, CaseMember, Media, Occurrence, Source

NO_CASE = "no such case"
NO_MEDIA = "no such media item in this case"
LARGEST_ID = 2**31 - 1
"""Ids are 32-bit on PostgreSQL: a larger guess must be 'no such case', not a database error."""


def member_case(session: Session, who: Identity, case_id: int) -> Case:
    """The case CASE_ID when WHO is a member of it; NotFound otherwise."""
    if not 1 <= case_id <= LARGEST_ID:
        raise NotFound(NO_CASE)
    case = session.scalars(
        select(Case)
        .join(CaseMember, CaseMember.case_id == Case.id)
        .where(Case.id == case_id, CaseMember.user_id == who.user_id)
    ).first()
    if case is None:
        raise NotFound(NO_CASE)
    return case


def member_cases(session: Session, who: Identity) -> list[Case]:
    return list(
        session.scalars(
            select(Case)
            .join(CaseMember, CaseMember.case_id == Case.id)
            .where(CaseMember.user_id == who.user_id)
            .order_by(Case.id)
        )
    )


def case_media(session: Session, case: Case, sha256: str) -> Media:
    """The media item SHA256 when a file of CASE holds it; NotFound otherwise."""
    held = (
        select(Occurrence.id)
        .join(Source, Source.id == Occurrence.source_id)
        .where(Source.case_id == case.id, Occurrence.media_sha256 == sha256)
        .limit(1)
    )
    media = session.get(Media, sha256.lower()) if len(sha256) == 64 else None
    if media is None or session.scalar(held) is None:
        raise NotFound(NO_MEDIA)
    return media


def require_role(who: Identity, *roles: Role) -> None:
    if who.role not in roles:
        allowed = " or ".join(r.value for r in roles)
        raise AccessDenied(f"this needs the role {allowed}; you are {who.role.value}")
