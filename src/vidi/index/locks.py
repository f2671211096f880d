"""One process at a time in an index directory: a lock file held while the index is open.

Why: an index's files are rewritten by whoever holds it (a save writes a new generation,
a sync adds what the features table holds); two writers would lose each other's work.
The lock is advisory (``flock``) and dies with its process, so a killed run leaves none.
"""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import IO

from vidi.index.pdq_index import IndexLocked


def hold(directory: Path, name: str, what: str) -> IO[bytes]:
    """The lock file ``name`` in ``directory``, held (created with the directory when
    missing); :class:`IndexLocked` naming ``what`` when another process holds it."""
    directory.mkdir(parents=True, exist_ok=True)
    lock = open(directory / name, "wb")  # noqa: SIM115 - held while the index is open
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise IndexLocked(f"{what} in {directory} is open in another process") from None
    return lock
