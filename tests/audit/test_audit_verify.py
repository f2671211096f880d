"""Verification finds every kind of tampering and names the first bad event."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from vidi import audit
from vidi.audit.anchor import read_anchor, write_anchor
from vidi.audit.chain import expected_hash
from vidi.config import Settings
from vidi.store.db import Database
from vidi.store.models import AuditEvent, AuditHead


def _five_events(db: Database) -> list[int]:
    for i in range(1, 6):
        with db.session() as session:
            audit.record(session, "test.append", f"item:{i}", {"i": i})
    with db.session() as session:
        return list(session.scalars(select(AuditEvent.id).order_by(AuditEvent.seq)))


def _event(session: Session, seq: int) -> AuditEvent:
    return session.scalars(select(AuditEvent).where(AuditEvent.seq == seq)).one()


def _verify(db: Database, settings: Settings, copy: Path | None = None) -> audit.ChainVerification:
    with db.session() as session:
        return audit.verify_chain(session, settings.audit_anchor, copy)


def test_an_untouched_chain_verifies(audit_db: Database, audit_settings: Settings) -> None:
    _five_events(audit_db)
    check = _verify(audit_db, audit_settings)
    assert check.ok and check.events == 5 and check.first_bad_event is None
    assert check.anchor is not None and check.anchor.ok and check.anchor.events == 5


def test_an_edited_detail_is_the_first_bad_event(
    audit_db: Database, audit_settings: Settings
) -> None:
    ids = _five_events(audit_db)
    with audit_db.session() as session:
        _event(session, 3).detail = {"i": 33}
    check = _verify(audit_db, audit_settings)
    assert not check.ok
    assert check.first_bad_event == audit.BadEvent(
        3, ids[2], "event 3 does not match its hash: the row was edited"
    )


def test_an_edited_timestamp_is_detected(audit_db: Database, audit_settings: Settings) -> None:
    ids = _five_events(audit_db)
    with audit_db.session() as session:
        event = _event(session, 2)
        event.at = event.at - timedelta(days=1)
    check = _verify(audit_db, audit_settings)
    assert not check.ok and check.first_bad_event is not None
    assert (check.first_bad_event.seq, check.first_bad_event.id) == (2, ids[1])


def test_a_deleted_middle_event_is_named(audit_db: Database, audit_settings: Settings) -> None:
    ids = _five_events(audit_db)
    with audit_db.session() as session:
        session.delete(_event(session, 3))
    check = _verify(audit_db, audit_settings)
    assert not check.ok and check.first_bad_event is not None
    assert (check.first_bad_event.seq, check.first_bad_event.id) == (4, ids[3])
    assert check.first_bad_event.reason.startswith("event 3 is missing")


def test_a_deleted_middle_event_with_the_chain_renumbered_is_detected(
    audit_db: Database, audit_settings: Settings
) -> None:
    ids = _five_events(audit_db)
    with audit_db.session() as session:
        session.delete(_event(session, 3))
        session.flush()
        for seq in (4, 5):
            _event(session, seq).seq = seq - 1
            session.flush()
    check = _verify(audit_db, audit_settings)
    assert not check.ok and check.first_bad_event is not None
    assert (check.first_bad_event.seq, check.first_bad_event.id) == (3, ids[3])


def test_a_deleted_last_event_is_detected_by_the_head_row(
    audit_db: Database, audit_settings: Settings
) -> None:
    _five_events(audit_db)
    with audit_db.session() as session:
        session.delete(_event(session, 5))
    check = _verify(audit_db, audit_settings)
    assert not check.ok and check.first_bad_event is not None
    assert (check.first_bad_event.seq, check.first_bad_event.id) == (5, None)


def test_a_deleted_last_event_with_the_head_row_rewound_is_caught_by_the_anchor(
    audit_db: Database, audit_settings: Settings
) -> None:
    _five_events(audit_db)
    with audit_db.session() as session:
        session.delete(_event(session, 5))
        head = session.get(AuditHead, 1)
        assert head is not None
        head.events, head.hash = 4, _event(session, 4).hash
    check = _verify(audit_db, audit_settings)
    assert not check.ok and check.first_bad_event is not None
    assert (check.first_bad_event.seq, check.first_bad_event.id) == (5, None)
    assert "the anchor" in check.first_bad_event.reason
    assert check.anchor is not None and not check.anchor.ok


def test_a_chain_rewritten_with_its_home_anchor_is_caught_by_an_exported_copy(
    tmp_path: Path, audit_db: Database, audit_settings: Settings
) -> None:
    _five_events(audit_db)
    copy = tmp_path / "supervisor" / "anchor.json"
    write_anchor(copy, read_anchor(audit_settings.audit_anchor))
    # Someone who can write both the database and the home removes the last two events
    # and makes everything they can reach agree again.
    with audit_db.session() as session:
        for seq in (5, 4):
            session.delete(_event(session, seq))
        last = _event(session, 3)
        head = session.get(AuditHead, 1)
        assert head is not None
        head.events, head.hash = 3, last.hash
    anchor = read_anchor(audit_settings.audit_anchor)
    write_anchor(
        audit_settings.audit_anchor,
        audit.Anchor(3, last.hash, anchor.written_at, anchor.database),
    )
    assert _verify(audit_db, audit_settings).ok  # the limit: nothing inside can tell
    check = _verify(audit_db, audit_settings, copy)
    assert not check.ok and check.anchor_copy is not None and not check.anchor_copy.ok
    assert check.first_bad_event is not None and check.first_bad_event.seq == 4


def test_a_rehashed_edit_breaks_the_link_to_the_next_event(
    audit_db: Database, audit_settings: Settings
) -> None:
    ids = _five_events(audit_db)
    with audit_db.session() as session:
        event = _event(session, 2)
        event.subject = "item:someone-else"
        event.hash = expected_hash(event)
    check = _verify(audit_db, audit_settings)
    assert check.first_bad_event is not None
    assert (check.first_bad_event.seq, check.first_bad_event.id) == (3, ids[2])


def test_an_unreadable_home_anchor_fails_verification(
    audit_db: Database, audit_settings: Settings
) -> None:
    _five_events(audit_db)
    audit_settings.audit_anchor.write_text("{ not json")
    check = _verify(audit_db, audit_settings)
    assert (
        not check.ok
        and check.anchor is not None
        and "cannot be read" in (check.anchor.reason or "")
    )


def test_a_named_anchor_copy_that_does_not_exist_is_an_error(
    tmp_path: Path, audit_db: Database, audit_settings: Settings
) -> None:
    with pytest.raises(audit.AuditError, match="no audit anchor"):
        _verify(audit_db, audit_settings, tmp_path / "nowhere.json")
