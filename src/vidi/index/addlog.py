"""The append-only log of changes since the last compaction of a PDQ index.

Why: an add must be durable the moment it returns, without rewriting the index.
Each change is a fixed-size record with its own CRC32, written and fsynced before
the change is applied in memory. On open the log is replayed; a torn or corrupt
tail (a crash mid-write) is cut off at the last good record, so nothing already
saved is lost and a half-written record is never read as data.
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

OP_ADD = ord("A")
OP_REMOVE = ord("R")
RECORD_DTYPE = np.dtype([("op", "u1"), ("id", "<i8"), ("hash", "u1", (32,)), ("crc", "<u4")])
RECORD_BYTES = RECORD_DTYPE.itemsize
_BODY_BYTES = RECORD_BYTES - 4


@dataclass(frozen=True)
class LogReplay:
    """The good records of a log, in order, and whether a bad tail was cut off."""

    ops: np.ndarray
    ids: np.ndarray
    hashes: np.ndarray
    dropped_bytes: int


def encode_records(op: int, ids: np.ndarray, hashes: np.ndarray) -> bytes:
    """Records for one batch of adds or removes (``hashes`` is (n, 32) uint8)."""
    records = np.zeros(len(ids), dtype=RECORD_DTYPE)
    records["op"] = op
    records["id"] = ids
    records["hash"] = hashes
    records["crc"] = _checksums(records.view(np.uint8).data, len(records))
    return records.tobytes()


def _checksums(data: memoryview, count: int) -> list[int]:
    """CRC32 of the body of each of the first ``count`` records in ``data``."""
    starts = range(0, count * RECORD_BYTES, RECORD_BYTES)
    return [zlib.crc32(data[start : start + _BODY_BYTES]) for start in starts]


def append_records(path: Path, data: bytes) -> None:
    """Append and fsync, so the records survive a crash once this returns.

    If the write fails (a full disk), the log is cut back, so a batch the caller saw
    fail does not come back on the next open.
    """
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        size = os.fstat(fd).st_size
        try:
            pending = memoryview(data)
            while pending:
                pending = pending[os.write(fd, pending) :]
            os.fsync(fd)
        except OSError:
            os.ftruncate(fd, size)
            raise
    finally:
        os.close(fd)


def replay(path: Path, repair: bool = True) -> LogReplay:
    """Read every good record; truncate the file after the last one.

    A reader that does not own the index passes ``repair=False``: a bad tail may be a
    record the writer is still appending, so it is skipped, never cut off.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        data = b""
    whole = len(data) // RECORD_BYTES
    records = np.frombuffer(data, dtype=RECORD_DTYPE, count=whole)
    valid = np.asarray(_checksums(memoryview(data), whole), dtype=np.uint32) == records["crc"]
    valid &= np.isin(records["op"], (OP_ADD, OP_REMOVE))
    good = whole if valid.all() else int(np.argmin(valid))
    dropped = len(data) - good * RECORD_BYTES
    if dropped and repair:
        with open(path, "r+b") as log:
            log.truncate(good * RECORD_BYTES)
            os.fsync(log.fileno())
    kept = records[:good]
    return LogReplay(
        ops=kept["op"].copy(),
        ids=kept["id"].astype(np.int64),
        hashes=np.ascontiguousarray(kept["hash"], dtype=np.uint8).reshape(-1, 32),
        dropped_bytes=dropped,
    )
