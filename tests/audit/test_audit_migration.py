"""Events written before the chain head existed keep their hash and still verify."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import text

from vidi import audit
from vidi.config import Settings
from vidi.store.db import Database, alembic_config, make_engine

GENESIS = "0" * 64


def _old_hash(prev: str, actor: str, action: str, subject: str, detail: object) -> str:
    """The formula of revisions before 0004 (it does not cover the time)."""
    body = json.dumps([prev, actor, action, subject, detail], sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def _database_at_0002_with_old_events(url: str, events: int) -> None:
    engine = make_engine(url)
    config = alembic_config(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        prev = GENESIS
        for i in range(events):
            detail = {"i": i}
            digest = _old_hash(prev, "alice", "case.create", f"case:{i}", detail)
            connection.execute(
                text(
                    "INSERT INTO audit_event (at, actor, action, subject, detail, prev_hash, hash)"
                    " VALUES (:at, 'alice', 'case.create', :subject, :detail, :prev, :hash)"
                ),
                {
                    "at": datetime(2026, 1, 1, tzinfo=UTC),
                    "subject": f"case:{i}",
                    "detail": json.dumps(detail),
                    "prev": prev,
                    "hash": digest,
                },
            )
            prev = digest
    engine.dispose()


def test_old_events_verify_by_their_formula_and_new_ones_extend_them(
    audit_settings: Settings,
) -> None:
    _database_at_0002_with_old_events(audit_settings.database_url, 3)
    db = Database(audit_settings.database_url, audit_anchor=audit_settings.audit_anchor)
    with db.session() as session:
        before = audit.verify_chain(session, audit_settings.audit_anchor)
        audit.record(session, "test.append", "after the upgrade")
    with db.session() as session:
        after = audit.verify_chain(session, audit_settings.audit_anchor)
        session.execute(text("UPDATE audit_event SET subject = 'case:x' WHERE seq = 2"))
        tampered = audit.verify_chain(session, audit_settings.audit_anchor)
    db.close()
    assert before.ok and (before.events, before.legacy_events) == (3, 3)
    assert after.ok and (after.events, after.legacy_events) == (4, 3)
    assert tampered.first_bad_event is not None and tampered.first_bad_event.seq == 2
