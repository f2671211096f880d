"""FAISS's OpenMP threads held to one while a call runs, and the threads that share out
such calls instead.

Why: OpenMP threads spin while they wait for a busy core, so on a loaded machine (ingest
workers, a test run beside another) a FAISS call shared out over every core ran up to
35 times slower than on one; the calls made here are small enough (a picture's or a
query's points) that one thread loses little.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import faiss

T = TypeVar("T")


def one_thread(work: Callable[[], T]) -> T:
    """``work()`` with FAISS on one thread (the previous setting restored after)."""
    previous = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        return work()
    finally:
        faiss.omp_set_num_threads(previous)


_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()
os.register_at_fork(after_in_child=_pools.clear)  # a forked child has none of the threads


def shared_pool(threads: int) -> ThreadPoolExecutor:
    """The process's pool of ``threads`` threads, started once (each call it runs holds
    FAISS to one thread itself): the feature stage verifies a few candidates a picture,
    and starting threads for each picture cost about 1.4 ms of a linked picture's ~25
    (docs/performance.md, "Object search, round 10")."""
    with _pools_lock:
        pool = _pools.get(threads)
        if pool is None:
            pool = _pools[threads] = ThreadPoolExecutor(threads, thread_name_prefix="vidi-index")
        return pool
