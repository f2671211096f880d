"""Appending to the audit chain, and the hash that links each event to the one before.

Every append first writes to the one ``audit_head`` row. That write takes the row lock on
PostgreSQL and the writer lock on SQLite, so appends from any number of processes run one
after another, each reading the real head: sequence numbers stay gap-free and each
event's ``prev_hash`` is the hash of the event before it.

A version 2 hash covers every field of the event (seq, time, actor, action, subject,
detail, prev_hash). Version 1 hashes, written before the chain head existed, did not
cover the sequence number or the time; they are still verified with their own formula.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event as orm_event
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from vidi.audit.anchor import advance_anchor
from vidi.store.db import AUDIT_ANCHOR_KEY
from vidi.store.models import AuditEvent, AuditHead, utcnow

GENESIS = "0" * 64
HASH_VERSION = 2
HEAD_ID = 1

_PENDING_KEY = "vidi.audit.pending_head"

log = logging.getLogger(__name__)


def current_actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def canonical_json(value: Any) -> str:
    """One spelling for one value: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_time(at: datetime) -> str:
    """UTC with microseconds. SQLite hands back the stored UTC time without its zone."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _legacy_hash(event: AuditEvent) -> str:
    body = json.dumps(
        [event.prev_hash, event.actor, event.action, event.subject, event.detail],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def expected_hash(event: AuditEvent) -> str:
    """The hash the event should carry, by the formula of its ``hash_version``."""
    if event.hash_version == 1:
        return _legacy_hash(event)
    body = {
        "v": event.hash_version,
        "seq": event.seq,
        "at": canonical_time(event.at),
        "actor": event.actor,
        "action": event.action,
        "subject": event.subject,
        "detail": event.detail,
        "prev_hash": event.prev_hash,
    }
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


def record(
    session: Session,
    action: str,
    subject: str,
    detail: dict[str, Any] | None = None,
    actor: str | None = None,
) -> AuditEvent:
    """Append one event. Call inside the transaction that does the audited change.

    The head row stays locked until that transaction ends, so keep it short.
    """
    head = _lock_head(session)
    event = AuditEvent(
        seq=head.events + 1,
        hash_version=HASH_VERSION,
        at=utcnow(),
        actor=actor or current_actor(),
        action=action,
        subject=subject,
        # Stored as it will be read back (tuples become lists, keys become strings),
        # so the hash made now is the hash verification recomputes.
        detail=None if detail is None else json.loads(canonical_json(detail)),
        prev_hash=head.hash,
    )
    event.hash = expected_hash(event)
    session.add(event)
    head.events, head.hash = event.seq, event.hash
    session.flush()
    _update_anchor_after_commit(session, head.events, head.hash)
    return event


def _lock_head(session: Session) -> AuditHead:
    # A write, not SELECT ... FOR UPDATE: it takes the row lock on PostgreSQL and, on
    # SQLite, the writer lock before anything is read, so the read below sees the head
    # as the last committed append left it.
    session.execute(
        update(AuditHead)
        .where(AuditHead.id == HEAD_ID)
        .values(events=AuditHead.events)
        .execution_options(synchronize_session=False)
    )
    head = session.scalars(
        select(AuditHead).where(AuditHead.id == HEAD_ID).execution_options(populate_existing=True)
    ).one_or_none()
    if head is None:
        head = _rebuild_head(session)
    return head


def _rebuild_head(session: Session) -> AuditHead:
    """The head row was deleted: start again from the last event (verify still says so)."""
    log.warning("the audit chain head row was missing; rebuilt from the last event")
    events = session.scalar(select(func.coalesce(func.max(AuditEvent.seq), 0))) or 0
    last = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == events))
    head = AuditHead(id=HEAD_ID, events=events, hash=last or GENESIS)
    session.add(head)
    session.flush()
    return head


def _update_anchor_after_commit(session: Session, events: int, head_hash: str) -> None:
    """Move the anchor in the home forward once this transaction has committed."""
    path = session.info.get(AUDIT_ANCHOR_KEY)
    if path is None:
        return
    if _PENDING_KEY not in session.info:
        orm_event.listen(session, "after_commit", _write_pending_anchor)
        orm_event.listen(session, "after_soft_rollback", _forget_pending_anchor)
    database = session.get_bind().engine.url.render_as_string(hide_password=True)
    session.info[_PENDING_KEY] = (Path(path), events, head_hash, database)


def _write_pending_anchor(session: Session) -> None:
    pending = session.info.get(_PENDING_KEY)
    session.info[_PENDING_KEY] = None
    if pending is None:
        return
    path, events, head_hash, database = pending
    try:
        advance_anchor(path, events, head_hash, database)
    except OSError as exc:
        # The audited change is committed; the anchor only lags (verify then checks less).
        log.warning("could not update the audit anchor %s: %s", path, exc)


def _forget_pending_anchor(session: Session, _previous_transaction: Any) -> None:
    # A rolled-back append must never reach the anchor: an anchor that claims more
    # events than were committed would report a deletion that never happened.
    session.info[_PENDING_KEY] = None
