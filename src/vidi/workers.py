"""What every worker process does first: one thread of native work, and die with the command.

Pools start their workers through a fork server, so a worker's parent is that server,
not the command: if the command is killed (SIGKILL, a crash), nothing tells the workers.
Each worker therefore watches the command's process id and exits when it is gone.

The pool already runs one worker per core. Native libraries that start their own
threads (OpenBLAS under NumPy, OpenMP in tesseract) would put several busy threads on
each core; measured on ingest with two workers on two cores, that made two workers
slower than one. Each worker keeps them to one thread.
"""

from __future__ import annotations

import os
import threading
import time

import numpy  # noqa: F401 - loads OpenBLAS now, so that threadpool_limits finds it
from threadpoolctl import threadpool_limits

CHECK_EVERY_S = 2.0


def start_worker(owner_pid: int) -> None:
    """Call first in a pool's initializer."""
    limit_native_threads()
    exit_with(owner_pid)


def limit_native_threads() -> None:
    """One thread for BLAS/OpenMP in this process and in the programs it runs."""
    threadpool_limits(limits=1)
    # Read by OpenMP in child programs such as tesseract; set only in worker processes.
    os.environ["OMP_THREAD_LIMIT"] = "1"


def exit_with(owner_pid: int) -> None:
    """Start a daemon thread that ends this process once ``owner_pid`` has died."""

    def watch() -> None:
        while True:
            time.sleep(CHECK_EVERY_S)
            try:
                os.kill(owner_pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # alive, owned by someone else
                continue

    threading.Thread(target=watch, name="owner-watch", daemon=True).start()
