"""Real Celery workers against a real Redis and PostgreSQL: started processes, never eager mode.

Each test gets its own broker queue, so parallel runs never take one another's chunks.
Redis is looked for at 127.0.0.1:6379 (database 9); without it the tests skip, saying
why, and under CI=true they fail instead.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from distributed_testing import PG_ADMIN_URL, REDIS_URL

from vidi_testing import jpeg_bytes, scene


def _redis_reason() -> str | None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        return f"Redis at 127.0.0.1:6379 does not answer ({exc.__class__.__name__}: {exc})"
    return None


@pytest.fixture
def redis_queue() -> Iterator[str]:
    """A broker queue of this test's own; emptied afterwards."""
    reason = _redis_reason()
    if reason is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must run the distributed tests: {reason}")
        pytest.skip(reason)
    import redis

    queue = f"vidi-test-{uuid.uuid4().hex[:12]}"
    yield queue
    redis.Redis.from_url(REDIS_URL).delete(queue)


@pytest.fixture
def other_postgres_url(postgres_url: str) -> Iterator[str]:
    """A second fresh PostgreSQL database, for the local run to compare with."""
    import psycopg

    name = f"vidi_test_{uuid.uuid4().hex[:12]}"
    admin = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def seizure(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Benign generated pictures in folders, a duplicate, a text file, a corrupt picture,
    a ZIP with pictures and a link: every kind of row an ingest writes."""
    folder = tmp_path_factory.mktemp("seizure")
    for i in range(36):
        sub = folder / f"dir{i % 3}"
        sub.mkdir(exist_ok=True)
        (sub / f"p{i:02d}.jpg").write_bytes(jpeg_bytes(scene(i, 320, 240)))
    (folder / "dir0" / "dup.jpg").write_bytes((folder / "dir1" / "p01.jpg").read_bytes())
    (folder / "notes.txt").write_text("shopping list\n")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    with zipfile.ZipFile(folder / "dir2" / "pack.zip", "w") as archive:
        for i in range(5):
            archive.writestr(f"inner/z{i}.jpg", jpeg_bytes(scene(100 + i, 320, 240)))
    os.symlink("notes.txt", folder / "link.txt")
    return folder


@pytest.fixture
def start_worker() -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Starts ``vidi worker`` processes; stops every one (SIGTERM, then SIGKILL) at the end."""
    started: list[subprocess.Popen[bytes]] = []

    def start(env: dict[str, str], name: str, concurrency: int = 1) -> subprocess.Popen[bytes]:
        log = open(Path(env["VIDI_HOME"]).parent / f"{name}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "vidi", "worker", "-c", str(concurrency), "--name", name],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in started:
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
