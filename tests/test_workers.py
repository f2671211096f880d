"""Worker processes: one native thread each, so a pool of one worker per core never
puts several busy threads on a core."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from vidi.workers import start_worker
from vidi_testing import native_thread_counts


def test_pool_workers_run_blas_and_openmp_on_one_thread() -> None:
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(
        max_workers=1, mp_context=context, initializer=start_worker, initargs=(os.getpid(),)
    ) as pool:
        counts, omp_limit = pool.submit(native_thread_counts).result(timeout=60)
    assert counts, "no native thread pool found: NumPy's BLAS should be one"
    assert set(counts) == {1}
    assert omp_limit == "1"
