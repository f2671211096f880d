"""The job and chunk tables on SQLite: planned, claimed, run, finished, without a broker.

The Celery tests (test_distributed_ingest.py) need Redis and PostgreSQL; this one runs
each chunk in the test process with ``run_chunk``, the function a worker's task calls,
so the tables' states and the rows stored are checked on the embedded database too.
"""

from __future__ import annotations

from pathlib import Path

from distributed_testing import distributed_env, settings_of, stored_rows

from vidi.distributed.chunks import run_chunk
from vidi.distributed.jobs import (
    create_ingest_job,
    find_unfinished,
    finish_if_stored,
    job_info,
    list_jobs,
    undone_chunks,
)
from vidi.workbench import Workbench


def sqlite_env(home: Path) -> dict[str, str]:
    env = distributed_env(home, f"sqlite:///{home / 'vidi.db'}", "unused")
    return {**env, "VIDI_CHUNK_FILES": "8"}


def test_a_job_on_sqlite_runs_chunk_by_chunk_and_stores_what_a_local_ingest_stores(
    tmp_path: Path, seizure: Path
) -> None:
    local = sqlite_env(tmp_path / "local")
    with Workbench(settings_of(local)) as wb:
        wb.create_case("c")
        wb.ingest("c", [seizure], clues=False)
    expected = stored_rows(settings_of(local).database_url)

    env = sqlite_env(tmp_path / "home")
    settings = settings_of(env)
    with Workbench(settings) as wb:
        wb.create_case("c")
        db = wb.db
        job = create_ingest_job(db, settings, "c", [seizure])
        chunks = undone_chunks(db, job)
        planned = job_info(db, job)
        assert planned.chunks == len(chunks) > 2 and planned.state == "running"
        assert find_unfinished(db, "ingest", "c", [str(seizure)]) == job

        run_chunk(db, settings, chunks[0], "w1")
        run_chunk(db, settings, chunks[0], "w2")  # delivered twice: done, not run again
        halfway = job_info(db, job)
        assert (halfway.chunks_done, halfway.chunks_failed, halfway.state) == (1, 0, "running")
        assert undone_chunks(db, job) == chunks[1:]
        assert not finish_if_stored(db, job)

        for chunk in chunks[1:]:
            run_chunk(db, settings, chunk, "w1")
        done = job_info(db, job)
        assert done.all_done and done.state == "stored"
        assert (planned.files, done.files_done) == (41, 45)  # files on disk; archive members too
        assert [j.id for j in list_jobs(db, "c")] == [job]
        assert undone_chunks(db, job) == []

    assert stored_rows(settings.database_url) == expected
    assert len(expected["occurrence"]) == 45 and len(expected["ingest_error"]) == 2
