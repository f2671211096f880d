"""Distributed ingest against the local pool, on one machine: same rows, and what a chunk costs.

Generates an ``--files``-file benign seizure (small generated pictures in folders of
500, one in twenty a duplicate), then ingests it into a fresh PostgreSQL database:

- with the local pool (``--local-workers`` processes, as ``vidi ingest`` runs);
- distributed, for each count in ``--workers``: that many ``vidi worker -c 1``
  processes reading one Redis queue, timed from the first chunk sent to the job stored.

Each distributed run is checked against the local one (occurrences, media and errors,
row for row) and the figures are printed with their ratio to the local run. One
machine proves correctness under real workers and the cost per chunk (broker round
trip, claim, per-batch counts); it does not prove scaling across machines, which needs
more cores than one machine has.

    python bench/distributed.py --files 20000 --workers 1 2 4
    python bench/distributed.py --files 200000 --workers 1 2 4 --chunk-files 1000
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import psycopg
from PIL import Image
from sqlalchemy import text

from vidi.config import load_settings
from vidi.store.db import Database
from vidi.workbench import Workbench

ADMIN = os.environ.get("VIDI_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BROKER = os.environ.get("VIDI_BROKER_URL", "redis://127.0.0.1:6379/8")


def generate(folder: Path, files: int) -> None:
    rng = np.random.default_rng(7)
    for i in range(files):
        sub = folder / f"d{i // 500:04d}"
        sub.mkdir(parents=True, exist_ok=True)
        if i % 20 == 19:
            shutil.copyfile(folder / "d0000" / "f000000.jpg", sub / f"f{i:06d}.jpg")
            continue
        pixels = rng.integers(0, 255, (6, 8, 3), dtype=np.uint8)
        picture = Image.fromarray(pixels).resize((96, 72), Image.Resampling.BILINEAR)
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=85)
        (sub / f"f{i:06d}.jpg").write_bytes(out.getvalue())


def fresh_database() -> str:
    name = f"vidi_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"


def drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(ADMIN, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def rows(url: str) -> tuple[list[tuple[object, ...]], ...]:
    database = Database(url)
    try:
        with database.session() as session:
            return tuple(
                [tuple(r) for r in session.execute(text(sql))]
                for sql in (
                    "SELECT path_key, sha256, media_sha256 FROM occurrence ORDER BY path_key",
                    "SELECT sha256, pdq FROM media ORDER BY sha256",
                    "SELECT path_key, stage, reason FROM ingest_error ORDER BY path_key, stage",
                )
            )
    finally:
        database.close()


def environment(home: Path, url: str, queue: str, chunk_files: int) -> dict[str, str]:
    return {
        **os.environ,
        "VIDI_HOME": str(home),
        "VIDI_DATABASE_URL": url,
        "VIDI_BROKER_URL": BROKER,
        "VIDI_BROKER_QUEUE": queue,
        "VIDI_CHUNK_FILES": str(chunk_files),
        "VIDI_EXTRACTORS": "",
        "VIDI_FEATURES": "0",
    }


def local_run(seizure: Path, scratch: Path, workers: int) -> tuple[float, tuple]:
    url = fresh_database()
    try:
        env = environment(scratch / "local", url, "unused", 1000)
        with Workbench(
            load_settings(env["VIDI_HOME"], env=env).with_changes(workers=workers)
        ) as wb:
            wb.create_case("bench")
            started = time.perf_counter()
            wb.ingest("bench", [seizure], clues=False)
            elapsed = time.perf_counter() - started
        return elapsed, rows(url)
    finally:
        drop_database(url)


def distributed_run(
    seizure: Path, scratch: Path, workers: int, chunk_files: int
) -> tuple[float, int, tuple]:
    url = fresh_database()
    queue = f"vidi-bench-{uuid.uuid4().hex[:8]}"
    env = environment(scratch / f"dist{workers}", url, queue, chunk_files)
    processes = []
    try:
        with Workbench(load_settings(env["VIDI_HOME"], env=env)) as wb:
            wb.create_case("bench")  # the schema exists before the workers start
            for n in range(workers):
                processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "vidi", "worker", "-c", "1", "--name", f"b{n}"],
                        env=env,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )
            started = time.perf_counter()
            done = wb.ingest_distributed("bench", [seizure], clues=False)
            elapsed = time.perf_counter() - started
        return elapsed, done.job.chunks, rows(url)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(60)
        drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2, 4])
    parser.add_argument("--local-workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--chunk-files", type=int, default=1000)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="vidi-bench-distributed-"))
    try:
        seizure = scratch / "seizure"
        started = time.perf_counter()
        generate(seizure, args.files)
        print(f"generated {args.files} files in {time.perf_counter() - started:.1f} s", flush=True)
        local_s, expected = local_run(seizure, scratch, args.local_workers)
        print(
            f"local pool, {args.local_workers} processes: {local_s:.1f} s "
            f"({args.files / local_s:.0f} files/s)",
            flush=True,
        )
        for workers in args.workers:
            elapsed, chunks, found = distributed_run(seizure, scratch, workers, args.chunk_files)
            same = "same rows" if found == expected else "ROWS DIFFER"
            print(
                f"distributed, {workers} worker(s), {chunks} chunks: {elapsed:.1f} s "
                f"({args.files / elapsed:.0f} files/s), {elapsed / local_s:.2f}x the local "
                f"time, {same}",
                flush=True,
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
