"""Appends are serialised on the chain head: parallel writers extend one unbroken chain."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from vidi import audit
from vidi.audit.anchor import advance_anchor, read_anchor
from vidi.cases import create_case
from vidi.config import Settings
from vidi.store.db import Database, open_database
from vidi.store.models import AuditEvent


def _append_in_parallel(db: Database, writers: int) -> list[BaseException]:
    """WRITERS threads, each with its own session and connection, append at one moment."""
    start = threading.Barrier(writers)
    failures: list[BaseException] = []

    def append(i: int) -> None:
        try:
            with db.session() as session:
                start.wait(timeout=60)
                audit.record(session, "test.append", f"item:{i}", {"i": i})
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            failures.append(exc)

    threads = [threading.Thread(target=append, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def test_ten_parallel_appends_leave_one_unbroken_gap_free_chain(
    audit_db: Database, audit_settings: Settings
) -> None:
    assert _append_in_parallel(audit_db, 10) == []
    with audit_db.session() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        check = audit.verify_chain(session, audit_settings.audit_anchor)
    assert [e.seq for e in events] == list(range(1, 11))
    assert len({e.prev_hash for e in events}) == 10, "two events share a prev_hash: a fork"
    assert check.ok, check.problems
    assert (check.events, check.head_hash) == (10, events[-1].hash)
    anchor = read_anchor(audit_settings.audit_anchor)
    assert (anchor.events, anchor.head_hash) == (10, events[-1].hash)


def _create_case_in_own_process(settings: Settings, name: str, start: Any, exits: Any) -> None:
    try:
        db = open_database(settings)  # its own engine and connections, as a command has
        start.wait(timeout=60)
        with db.session() as session:
            create_case(session, name)
        db.close()
        exits.put(0)
    except BaseException as exc:  # noqa: BLE001 - reported by the test
        exits.put(repr(exc))


def test_ten_processes_creating_cases_at_once_all_land_on_one_chain(
    audit_db: Database, audit_settings: Settings
) -> None:
    audit_db.engine.dispose()  # no connection of ours is shared with the children
    fork = multiprocessing.get_context("fork")
    start, exits = fork.Barrier(10), fork.Queue()
    processes = [
        fork.Process(
            target=_create_case_in_own_process, args=(audit_settings, f"case-{i}", start, exits)
        )
        for i in range(10)
    ]
    for process in processes:
        process.start()
    results = [exits.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    assert results == [0] * 10
    with audit_db.session() as session:
        check = audit.verify_chain(session, audit_settings.audit_anchor)
    assert check.ok and check.events == 10, check.problems
    assert check.anchor is not None and check.anchor.events == 10


def test_a_rolled_back_append_never_reaches_the_anchor(
    audit_db: Database, audit_settings: Settings
) -> None:
    with audit_db.session() as session:
        audit.record(session, "test.append", "kept")
    with pytest.raises(RuntimeError), audit_db.session() as session:
        audit.record(session, "test.append", "rolled back")
        raise RuntimeError("the audited change failed")
    assert read_anchor(audit_settings.audit_anchor).events == 1
    with audit_db.session() as session:
        audit.record(session, "test.append", "after the rollback")
        check = audit.verify_chain(session, audit_settings.audit_anchor)
    assert check.ok and check.events == 2


def test_the_anchor_never_moves_back_to_a_shorter_chain(tmp_path: Path) -> None:
    path = tmp_path / "audit-anchor.json"
    advance_anchor(path, 5, "e" * 64, None)
    advance_anchor(path, 4, "d" * 64, None)  # an earlier append whose process was slower
    assert (read_anchor(path).events, read_anchor(path).head_hash) == (5, "e" * 64)
    advance_anchor(path, 6, "f" * 64, None)
    assert read_anchor(path).events == 6


def test_detail_is_hashed_as_it_is_stored(audit_db: Database) -> None:
    with audit_db.session() as session:
        audit.record(session, "test.append", "x", {"pair": (1, 2), "by_id": {3: "x"}})
    with audit_db.session() as session:
        assert audit.verify_chain(session).ok
        stored = session.scalars(select(AuditEvent.detail)).one()
    assert stored == {"pair": [1, 2], "by_id": {"3": "x"}}
