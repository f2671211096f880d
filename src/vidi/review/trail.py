"""The audit trail of one case, for its admins: every event that names the case or one
of its media items (sign-ins name users, not cases, and are on ``vidi audit``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, literal, or_, select
from sqlalchemy.orm import Session

from vidi.store.models import AuditEvent, Case, CaseMedia

PAGE = 200


@dataclass(frozen=True)
class TrailEvent:
    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    detail: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "detail": self.detail,
        }


def case_trail(
    session: Session, case: Case, before: int | None = None, limit: int = PAGE
) -> list[TrailEvent]:
    """The newest LIMIT events about CASE (before the event number BEFORE, if given)."""
    of_case_media = select(literal("media:") + CaseMedia.media_sha256).where(
        CaseMedia.case_id == case.id
    )
    query = (
        select(AuditEvent)
        .where(
            or_(
                AuditEvent.subject.in_((f"case:{case.name}", f"case:{case.id}")),
                _names_case(session, case),
                AuditEvent.subject.in_(of_case_media),
            )
        )
        .order_by(AuditEvent.seq.desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(AuditEvent.seq < before)
    return [
        TrailEvent(e.seq, e.at, e.actor, e.action, e.subject, e.detail)
        for e in session.scalars(query)
    ]


def _names_case(session: Session, case: Case) -> ColumnElement[bool]:
    """The event's detail names the case (``{"case": 7}`` or ``{"case": "op-wren"}``)."""
    named = AuditEvent.detail["case"]
    if session.get_bind().dialect.name == "postgresql":
        # ->> gives the text of a number too; a cast would fail on a name.
        return named.as_string().in_((str(case.id), case.name))
    return or_(named.as_integer() == case.id, named.as_string() == case.name)
