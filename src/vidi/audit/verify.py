"""Checking the audit chain: every link, the head row, and the anchors kept outside.

An edited event no longer matches its hash; a removed event leaves a gap in the sequence
and a ``prev_hash`` that points nowhere; removed last events leave a chain shorter than
the head row and the anchors remember. The report names the first bad event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vidi.audit.anchor import Anchor, AuditError, read_anchor
from vidi.audit.chain import GENESIS, HASH_VERSION, HEAD_ID, expected_hash
from vidi.results import jsonable
from vidi.store.models import AuditEvent, AuditHead


@dataclass(frozen=True)
class BadEvent:
    """Where the chain first goes wrong. ``id`` is None when the event is missing."""

    seq: int
    id: int | None
    reason: str


@dataclass(frozen=True)
class AnchorCheck:
    path: str
    found: bool
    ok: bool
    events: int | None = None
    head_hash: str | None = None
    written_at: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class ChainVerification:
    ok: bool
    events: int
    head_hash: str
    legacy_events: int
    """Events hashed by version 1, which covers neither their seq nor their time."""
    first_bad_event: BadEvent | None
    problems: list[str] = field(default_factory=list)
    anchor: AnchorCheck | None = None
    anchor_copy: AnchorCheck | None = None

    @property
    def first_bad_id(self) -> int | None:
        return self.first_bad_event.id if self.first_bad_event else None

    def to_dict(self) -> dict[str, Any]:
        return jsonable(self)  # type: ignore[no-any-return]


@dataclass
class _Walk:
    """What one pass over the events found."""

    events: int = 0
    head_hash: str = GENESIS
    legacy: int = 0
    bad: list[BadEvent] = field(default_factory=list)
    hashes_at: dict[int, str] = field(default_factory=dict)


def verify_chain(
    session: Session, anchor: Path | None = None, anchor_copy: Path | None = None
) -> ChainVerification:
    """Check the chain, its head row, the home's ANCHOR (if any) and an ANCHOR_COPY.

    A missing home anchor is not a failure (a new home has none until its first
    append); a named copy that cannot be read is an AuditError.
    """
    copy = read_anchor(anchor_copy) if anchor_copy is not None else None
    home: Anchor | AuditError | None = None
    if anchor is not None and anchor.exists():
        try:
            home = read_anchor(anchor)
        except AuditError as exc:
            home = exc
    wanted = {a.events for a in (home, copy) if isinstance(a, Anchor)}
    walk = _walk_events(session, wanted)
    _check_head(session, walk)
    home_check = None if anchor is None else _check_anchor(anchor, home, walk)
    copy_check = None if anchor_copy is None else _check_anchor(anchor_copy, copy, walk)
    problems = [bad.reason for bad in walk.bad]
    for check in (home_check, copy_check):
        if check is not None and not check.ok and check.reason not in problems:
            problems.append(check.reason or "")
    first = min(walk.bad, key=lambda bad: bad.seq) if walk.bad else None
    return ChainVerification(
        ok=not problems,
        events=walk.events,
        head_hash=walk.head_hash,
        legacy_events=walk.legacy,
        first_bad_event=first,
        problems=problems,
        anchor=home_check,
        anchor_copy=copy_check,
    )


def _walk_events(session: Session, wanted: set[int]) -> _Walk:
    walk = _Walk()
    query = select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=1000)
    for event in session.scalars(query):
        expected_seq = walk.events + 1
        reason = _link_problem(event, expected_seq, walk)
        if reason is not None and not walk.bad:
            walk.bad.append(BadEvent(event.seq, event.id, reason))
        walk.legacy += event.hash_version == 1
        walk.events = event.seq
        walk.head_hash = event.hash
        if event.seq in wanted:
            walk.hashes_at[event.seq] = event.hash
    return walk


def _link_problem(event: AuditEvent, expected_seq: int, walk: _Walk) -> str | None:
    if event.seq != expected_seq:
        missing = (
            f"event {expected_seq} is missing"
            if event.seq == expected_seq + 1
            else f"events {expected_seq} to {event.seq - 1} are missing"
        )
        return f"{missing}: the sequence jumps from {expected_seq - 1} to {event.seq}"
    if event.hash_version not in (1, HASH_VERSION):
        return f"event {event.seq} has an unknown hash version {event.hash_version}"
    if event.hash_version == 1 and walk.legacy < walk.events:
        return f"event {event.seq} claims the old hash formula after events that use the new"
    if event.prev_hash != walk.head_hash:
        return (
            f"event {event.seq} does not link to event {event.seq - 1} (its prev_hash differs): "
            "an event before it was removed or replaced, or the chain forked"
        )
    if event.hash != expected_hash(event):
        return f"event {event.seq} does not match its hash: the row was edited"
    return None


def _check_head(session: Session, walk: _Walk) -> None:
    head = session.get(AuditHead, HEAD_ID)
    if head is None:
        walk.bad.append(BadEvent(walk.events + 1, None, "the audit chain head row is missing"))
        return
    if head.events > walk.events:
        walk.bad.append(
            BadEvent(
                walk.events + 1,
                None,
                f"{_missing_tail(walk.events, head.events)}: "
                f"the chain head row records {head.events} events",
            )
        )
    elif head.events < walk.events:
        walk.bad.append(
            BadEvent(
                head.events + 1,
                None,
                f"events after {head.events} were added without going through the chain "
                f"head (it records {head.events}, the table holds {walk.events})",
            )
        )
    elif head.hash != walk.head_hash:
        walk.bad.append(
            BadEvent(
                walk.events,
                None,
                f"event {walk.events} differs from the chain head row's hash",
            )
        )


def _check_anchor(path: Path, anchor: Anchor | AuditError | None, walk: _Walk) -> AnchorCheck:
    if anchor is None:
        return AnchorCheck(str(path), found=False, ok=True)
    if isinstance(anchor, AuditError):
        return AnchorCheck(str(path), found=True, ok=False, reason=str(anchor))
    reason = None
    if anchor.events > walk.events:
        reason = (
            f"{_missing_tail(walk.events, anchor.events)}: the anchor {path} written "
            f"{anchor.written_at} records {anchor.events} events"
        )
        walk.bad.append(BadEvent(walk.events + 1, None, reason))
    elif anchor.events > 0 and walk.hashes_at.get(anchor.events) != anchor.head_hash:
        reason = (
            f"event {anchor.events} differs from the anchor {path} written "
            f"{anchor.written_at}: the chain up to it was rewritten"
        )
        walk.bad.append(BadEvent(anchor.events, None, reason))
    return AnchorCheck(
        str(path),
        found=True,
        ok=reason is None,
        events=anchor.events,
        head_hash=anchor.head_hash,
        written_at=anchor.written_at,
        reason=reason,
    )


def _missing_tail(have: int, had: int) -> str:
    if had == have + 1:
        return f"event {had} is missing at the end"
    return f"events {have + 1} to {had} are missing at the end"
