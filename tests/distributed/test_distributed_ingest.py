"""Distributed ingest on real workers equals a local one; a lost worker or broker costs a re-run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from distributed_testing import (
    REDIS_URL,
    distributed_env,
    settings_of,
    stored_rows,
    wait_until,
)
from sqlalchemy import select

from vidi.store.models import Job, JobChunk
from vidi.workbench import Workbench

Start = Callable[..., subprocess.Popen[bytes]]


def local_rows(tmp_path: Path, seizure: Path, database_url: str) -> dict[str, list]:
    env = distributed_env(tmp_path / "local-home", database_url, "unused")
    with Workbench(settings_of(env).with_changes(workers=2)) as wb:
        wb.create_case("c")
        wb.ingest("c", [seizure], clues=False)
    return stored_rows(database_url)


def chunks_of(wb: Workbench) -> list[JobChunk]:
    with wb.db.session() as session:
        return list(session.scalars(select(JobChunk).order_by(JobChunk.seq)))


def vidi(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vidi", *args], env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.slow
def test_two_workers_store_exactly_what_a_local_ingest_stores(
    tmp_path: Path,
    seizure: Path,
    postgres_url: str,
    other_postgres_url: str,
    redis_queue: str,
    start_worker: Start,
) -> None:
    expected = local_rows(tmp_path, seizure, other_postgres_url)
    env = distributed_env(tmp_path / "home", postgres_url, redis_queue)
    start_worker(env, "w1")
    start_worker(env, "w2")
    with Workbench(settings_of(env)) as wb:
        wb.create_case("c")
        done = wb.ingest_distributed("c", [seizure], clues=False)
        chunks = chunks_of(wb)
    assert done.outcome is not None and done.job.state == "finished"
    assert stored_rows(postgres_url) == expected
    assert len(expected["occurrence"]) == 45 and len(expected["ingest_error"]) == 2
    assert {c.state for c in chunks} == {"done"}
    assert len({c.worker for c in chunks}) == 2, "both workers took chunks"
    assert done.outcome.ingest.files_seen == 45  # the link is refused, not read


@pytest.mark.slow
def test_a_worker_killed_mid_chunk_loses_and_doubles_nothing(
    tmp_path: Path,
    seizure: Path,
    postgres_url: str,
    other_postgres_url: str,
    redis_queue: str,
    start_worker: Start,
) -> None:
    expected = local_rows(tmp_path, seizure, other_postgres_url)
    env = distributed_env(
        tmp_path / "home", postgres_url, redis_queue, VIDI_CHUNK_FILES="40", VIDI_BATCH_SIZE="1"
    )
    worker = start_worker(env, "victim")
    with Workbench(settings_of(env)) as wb:
        wb.create_case("c")
        sent = wb.ingest_distributed("c", [seizure], clues=False, wait=False)
        running = lambda: [c for c in chunks_of(wb) if c.state == "running" and c.files_seen]  # noqa: E731
        wait_until(lambda: bool(running()), what="a chunk half stored")
        victim = running()[0]
        child = pool_child(worker.pid)
        os.kill(child, signal.SIGKILL)  # the process running the chunk, as a crash would
        assert victim.state != "done"
        done = wb.ingest_distributed("c", [seizure], clues=False)
        again = {c.id: c for c in chunks_of(wb)}[victim.id]
    assert done.job.id == sent.job.id
    assert again.state == "done" and again.attempts >= 2, "the chunk was delivered again"
    assert stored_rows(postgres_url) == expected


def pool_child(worker_pid: int) -> int:
    """The pool process of a one-process worker: the one that runs its chunks."""
    children = Path(f"/proc/{worker_pid}/task/{worker_pid}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


@pytest.mark.slow
def test_a_lost_broker_costs_a_rerun_of_the_same_command_and_nothing_more(
    tmp_path: Path,
    seizure: Path,
    postgres_url: str,
    other_postgres_url: str,
    redis_queue: str,
    start_worker: Start,
) -> None:
    import redis

    expected = local_rows(tmp_path, seizure, other_postgres_url)
    env = distributed_env(tmp_path / "home", postgres_url, redis_queue, VIDI_CHUNK_FILES="2")
    assert vidi(env, "case", "create", "c").returncode == 0
    command = ["ingest", "--distributed", "--case", "c", "--no-clues", "-q", str(seizure)]
    sent = vidi(env, *command, "--no-wait", "--json")
    assert sent.returncode == 0, sent.stderr
    job = json.loads(sent.stdout)["job"]
    assert job["chunks"] > 10 and job["chunks_done"] == 0
    broker = redis.Redis.from_url(REDIS_URL)
    assert broker.llen(redis_queue) == job["chunks"]

    start_worker(env, "w1")
    with Workbench(settings_of(env)) as wb:
        wait_until(lambda: any(c.state == "done" for c in chunks_of(wb)), what="a chunk done")
        broker.delete(redis_queue)  # the broker loses every message still queued
        shown = json.loads(vidi(env, "jobs", "--json").stdout)[0]
        assert shown["id"] == job["id"] and 0 < shown["chunks_done"] < shown["chunks"]

        finished = vidi(env, *command, "--json")
        assert finished.returncode == 0, finished.stderr
        assert json.loads(finished.stdout)["job"]["state"] == "finished"
        with wb.db.session() as session:
            assert session.scalar(select(Job.id).where(Job.id != job["id"])) is None
        assert all(c.state == "done" for c in chunks_of(wb))
    assert stored_rows(postgres_url) == expected
