"""FAISS's OpenMP threads held to one while a call runs.

Why: OpenMP threads spin while they wait for a busy core, so on a loaded machine (ingest
workers, a test run beside another) a FAISS call shared out over every core ran up to
35 times slower than on one; the calls made here are small enough (a picture's or a
query's points) that one thread loses little.
"""

from __future__ import annotations

from collections.abc import Callable
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
