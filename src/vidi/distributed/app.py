"""The Celery side: an app built from Settings, the two chunk tasks, sending, and a worker.

Celery is imported here only, inside functions, so the command line starts without it.
A message is a (job, chunk) pair and nothing else. Delivery is at least once: the
message is acknowledged after the chunk ran (``task_acks_late``), given back to the
queue when the process running it dies (``task_reject_on_worker_lost``), and a worker
takes one message at a time (``worker_prefetch_multiplier=1``), so a chunk never waits
behind another in a busy worker. A chunk that raises is retried with growing pauses;
out of retries it is marked failed in the database.
"""

from __future__ import annotations

import logging
import socket
from typing import TYPE_CHECKING, Any

from vidi.config import Settings
from vidi.errors import BrokerUnavailable
from vidi.store.db import Database

if TYPE_CHECKING:
    from celery import Celery

TASKS = {"ingest": "vidi.ingest_chunk", "extract": "vidi.extract_chunk"}
RETRIES = 5
VISIBILITY_TIMEOUT_S = 6 * 3600
"""A message taken by a worker that vanished (machine lost) is delivered again after this
long; a chunk running longer than this may be delivered twice, which costs only time."""

_databases: dict[str, Database] = {}


def make_app(settings: Settings) -> Celery:
    from celery import Celery

    app = Celery("vidi", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_default_queue=settings.broker_queue,
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT_S},
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5},
        worker_hijack_root_logger=False,
    )
    for kind, name in TASKS.items():
        _register(app, settings, kind, name)
    return app


def _register(app: Celery, settings: Settings, kind: str, name: str) -> None:
    from celery import Task

    class ChunkTask(Task):  # type: ignore[misc]
        def on_failure(
            self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
        ) -> None:
            from vidi.distributed.chunks import fail_chunk

            fail_chunk(_database(settings), int(args[1]), exc)

    def run(self: Task, job_id: int, chunk_id: int) -> None:
        from vidi.distributed.chunks import run_chunk

        run_chunk(_database(settings), settings, chunk_id, f"{self.request.hostname}")

    app.task(
        run,
        name=name,
        base=ChunkTask,
        bind=True,
        autoretry_for=(Exception,),
        max_retries=RETRIES,
        retry_backoff=2,
        retry_backoff_max=300,
        retry_jitter=True,
    )


def _database(settings: Settings) -> Database:
    """One database per worker process, opened on its first chunk (after the fork)."""
    if settings.database_url not in _databases:
        from vidi.store.db import open_database

        _databases[settings.database_url] = open_database(settings)
    return _databases[settings.database_url]


def send_chunks(settings: Settings, kind: str, job_id: int, chunk_ids: list[int]) -> None:
    """One message per chunk; BrokerUnavailable when the broker cannot take them."""
    from kombu.exceptions import OperationalError

    app = make_app(settings)
    try:
        with app.producer_or_acquire() as producer:
            for chunk_id in chunk_ids:
                app.send_task(
                    TASKS[kind],
                    args=[job_id, chunk_id],
                    queue=settings.broker_queue,
                    producer=producer,
                )
    except OperationalError as error:
        raise BrokerUnavailable(
            f"the broker at {settings.broker_url} does not answer ({error}); start Redis or "
            f"set VIDI_BROKER_URL, then run the same command again (job {job_id} is kept)"
        ) from None
    finally:
        app.close()


def run_worker(settings: Settings, concurrency: int, name: str | None = None) -> None:
    """Run a worker in this process until it is stopped (SIGTERM or Ctrl-C)."""
    from celery.signals import worker_process_init

    from vidi.workers import limit_native_threads

    worker_process_init.connect(lambda **_: limit_native_threads(), weak=False)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    app = make_app(settings)
    app.worker_main(
        [
            "worker",
            f"--concurrency={concurrency}",
            f"--queues={settings.broker_queue}",
            f"--hostname={name or f'vidi@{socket.gethostname()}'}",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
    )
