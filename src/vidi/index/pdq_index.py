"""The persistent, incremental Hamming-space index over every known PDQ hash.

Why: "know what is known" means one radius-31 lookup against tens of millions of
hashes (the media database and the imported hash lists) for every new picture, in
milliseconds, surviving restarts, and growing as cases are ingested.

How: rows (id, 256-bit hash) live in one growing array. Older rows are covered by a
few immutable :class:`~vidi.index.mih.MihSegment` tables; the newest rows (fewer than
``delta_rows``) are scanned directly. When enough new rows collect they become a
segment, and segments of similar size merge (the logarithmic method), so each row
is rebuilt O(log n) times over its life instead of the whole index on every add.
Every add and remove is first appended to the log (:mod:`vidi.index.addlog`);
:meth:`PdqIndex.save` writes a new generation (:mod:`vidi.index.storage`) and starts
an empty log. One process owns an index
directory at a time (an exclusive lock file); any number of others may read it at the
same time (:meth:`PdqIndex.open_read_only`): a reader takes no lock, reads the current
generation and the good records of its log, and never waits for the writer.
"""

from __future__ import annotations

import fcntl
import json
import math
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO

import numpy as np

from vidi.errors import VidiError
from vidi.index import addlog, storage
from vidi.index.hamming import (
    DEFAULT_RADIUS,
    HashesLike,
    Hit,
    as_words,
    check_radius,
    hits_from,
    to_packed,
)
from vidi.index.mih import CHUNK_STARTS, CHUNKS, HASH_BITS, MihSegment, hamming_to_many

DEFAULT_DELTA_ROWS = 8192
"""New rows scanned directly before they are folded into a segment."""
DEFAULT_LOG_LIMIT = 1_000_000
"""Log records after which an add saves a new generation by itself."""


class IndexLocked(VidiError):
    """Another process has this index directory open."""


class PdqIndex:
    """Every PDQ hash within a radius of a query, exactly, nearest first."""

    def __init__(
        self,
        directory: Path,
        lock: IO[bytes] | None,
        delta_rows: int,
        log_limit: int,
        map_tables: bool,
    ):
        self.directory = directory
        self._lock = lock
        self._delta_rows = delta_rows
        self._log_limit = log_limit
        self._map_tables = map_tables
        self._generation = 0
        self._rows = 0
        self._hashes = np.zeros((0, 32), dtype=np.uint8)
        self._ids = np.zeros(0, dtype=np.int64)
        self._deleted = np.zeros(0, dtype=bool)
        self._deleted_count = 0
        self._segments: list[MihSegment] = []
        self._log_records = 0

    @classmethod
    def open(
        cls,
        directory: Path,
        *,
        delta_rows: int = DEFAULT_DELTA_ROWS,
        log_limit: int = DEFAULT_LOG_LIMIT,
        map_tables: bool = False,
    ) -> PdqIndex:
        """Open the index in ``directory``, creating an empty one if there is none.

        ``map_tables`` memory-maps the saved tables instead of reading them (see
        :func:`vidi.index.storage.read_generation`). Raises
        :class:`~vidi.index.storage.IndexDamaged` when a saved file is missing,
        unreadable or not what was written.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        lock = open(directory / "LOCK", "ab")  # noqa: SIM115 - held until close()
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            raise IndexLocked(
                f"the PDQ index in {directory} is open in another process; close it first"
            ) from None
        index = cls(directory, lock, delta_rows, log_limit, map_tables)
        try:
            index._load()
        except BaseException:
            lock.close()
            raise
        return index

    @classmethod
    def open_read_only(
        cls, directory: Path, *, attempts: int = 50, map_tables: bool = False
    ) -> PdqIndex:
        """A read-only view of the index in ``directory`` as it is now; never blocks.

        Takes no lock and changes no file: the writer may add, save and remove old
        generations meanwhile. A generation replaced while it was being read is read
        again (up to ``attempts`` times, waiting a little longer each time, at most ~2 s in
        all: a writer saving in a tight loop beat five quick attempts on a loaded
        machine); a record the writer is still appending is left out. Raises
        :class:`~vidi.index.storage.IndexDamaged` when the index is damaged, and a view
        of an empty index when there is none yet.
        """
        directory = Path(directory)
        for attempt in range(attempts):
            before = _current_generation(directory)
            index = cls(directory, None, DEFAULT_DELTA_ROWS, DEFAULT_LOG_LIMIT, map_tables)
            try:
                index._load(writable=False)
                if _current_generation(directory) in (index.generation, None):
                    return index  # else a save moved on while we read: read again
            except storage.IndexDamaged:
                if attempt + 1 == attempts or _current_generation(directory) == before:
                    raise
            time.sleep(min(0.05, 0.002 * (attempt + 1)))
        raise storage.IndexDamaged(storage.MANIFEST, "kept changing while it was read; try again")

    @property
    def read_only(self) -> bool:
        return self._lock is None

    @property
    def generation(self) -> int:
        return self._generation

    def _load(self, writable: bool = True) -> None:
        if writable:
            saved = storage.read_generation(self.directory, self._map_tables)
        else:
            saved = storage.read_generation_read_only(self.directory, self._map_tables)
        if saved is None:
            if writable:
                storage.write_generation(
                    self.directory, 0, self._hashes, self._ids, self._deleted, ()
                )
        else:
            self._generation = saved.number
            self._rows = len(saved.ids)
            self._hashes, self._ids, self._deleted = saved.hashes, saved.ids, saved.deleted
            self._deleted_count = int(saved.deleted.sum())
            self._segments = list(saved.segments)
        log = storage.log_path(self.directory, self._generation)
        try:
            records = addlog.replay(log, repair=writable)
        except OSError as exc:
            raise storage.IndexDamaged(log.name, f"cannot be read ({exc})") from None
        self._log_records = len(records.ids)
        boundaries = np.flatnonzero(np.diff(records.ops)) + 1
        for lo, hi in zip(np.r_[0, boundaries], np.r_[boundaries, len(records.ops)], strict=True):
            if hi <= lo:
                continue
            if records.ops[lo] == addlog.OP_ADD:
                self._append_rows(records.ids[lo:hi], records.hashes[lo:hi])
            else:
                self._mark_deleted(records.ids[lo:hi])
        self._fold_delta()

    def close(self) -> None:
        """Release the directory; unsaved changes are safe in the log."""
        if self._lock is not None and not self._lock.closed:
            self._lock.close()

    def __enter__(self) -> PdqIndex:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def __len__(self) -> int:
        return self._rows - self._deleted_count

    def rows(self) -> tuple[np.ndarray, np.ndarray]:
        """Every live (id, packed hash) row, in the order they were added."""
        alive = ~self._deleted[: self._rows]
        return self._ids[: self._rows][alive], self._hashes[: self._rows][alive]

    def add(self, ids: Sequence[int] | np.ndarray, hashes: HashesLike) -> None:
        """Index ``hashes`` under the caller's int64 ``ids``; durable when this returns."""
        packed = to_packed(hashes)
        labels = np.asarray(ids, dtype=np.int64).reshape(-1)
        if len(labels) != len(packed):
            raise ValueError(f"{len(labels)} ids for {len(packed)} hashes")
        if not len(labels):
            return
        self._log(addlog.OP_ADD, labels, packed)
        self._append_rows(labels, packed)
        self._fold_delta()
        self._save_if_log_full()

    def remove(self, ids: Sequence[int] | np.ndarray) -> int:
        """Stop returning every row with one of these ids; returns how many rows went."""
        labels = np.unique(np.asarray(ids, dtype=np.int64).reshape(-1))
        if not len(labels):
            return 0
        self._log(addlog.OP_REMOVE, labels, np.zeros((len(labels), 32), dtype=np.uint8))
        removed = self._mark_deleted(labels)
        self._save_if_log_full()
        return removed

    def save(self) -> None:
        """Write a new generation (rows and tables) and start an empty log."""
        self._check_writable()
        self._fold_delta(everything=True)
        if self._deleted_count * 4 > self._rows:
            self._drop_deleted()
        rows = self._rows
        storage.write_generation(
            self.directory,
            self._generation + 1,
            self._hashes[:rows],
            self._ids[:rows],
            self._deleted[:rows],
            tuple(self._segments),
        )
        self._generation += 1
        self._log_records = 0

    def search(self, query: str | np.ndarray, radius: int = DEFAULT_RADIUS) -> list[Hit]:
        """Every indexed hash within ``radius`` bits of ``query``, nearest first."""
        query_packed = to_packed([query] if isinstance(query, str) else query.reshape(1, 32))
        return self._search_one(query_packed[0], check_radius(radius))

    def search_many(self, queries: HashesLike, radius: int = DEFAULT_RADIUS) -> list[list[Hit]]:
        """:meth:`search` for each query, in order."""
        packed = to_packed(queries)
        radius = check_radius(radius)
        return [self._search_one(row, radius) for row in packed]

    def _search_one(self, query: np.ndarray, radius: int) -> list[Hit]:
        rows = self._rows
        if rows == 0:
            return []
        words = as_words(self._hashes[:rows])
        query_words = as_words(query.reshape(1, 32))[0]
        value = int.from_bytes(query.tobytes(), "big")
        parts = [_segment_candidates(seg, value, radius) for seg in self._segments]
        parts.append(np.arange(self._segment_end(), rows))
        candidates = np.concatenate(parts)
        distances = hamming_to_many(words.take(candidates, axis=0), query_words)
        near = distances <= radius
        found, distances = candidates[near], distances[near]
        if self._deleted_count:
            alive = ~self._deleted[found]
            found, distances = found[alive], distances[alive]
        return hits_from(self._ids[found], distances)

    def _segment_end(self) -> int:
        return self._segments[-1].stop if self._segments else 0

    def _check_writable(self) -> None:
        if self._lock is None:
            raise VidiError(f"the PDQ index in {self.directory} was opened read-only")
        if self._lock.closed:
            raise VidiError(f"the PDQ index in {self.directory} is closed; open it again")

    def _log(self, op: int, ids: np.ndarray, packed: np.ndarray) -> None:
        self._check_writable()
        path = storage.log_path(self.directory, self._generation)
        addlog.append_records(path, addlog.encode_records(op, ids, packed))
        self._log_records += len(ids)

    def _save_if_log_full(self) -> None:
        if self._log_records >= self._log_limit:
            self.save()

    def _append_rows(self, ids: np.ndarray, packed: np.ndarray) -> None:
        needed = self._rows + len(ids)
        if needed > len(self._ids):
            capacity = max(needed, len(self._ids) + len(self._ids) // 4, 1024)
            self._hashes = _grown(self._hashes, capacity, self._rows)
            self._ids = _grown(self._ids, capacity, self._rows)
            self._deleted = _grown(self._deleted, capacity, self._rows)
        self._hashes[self._rows : needed] = packed
        self._ids[self._rows : needed] = ids
        self._deleted[self._rows : needed] = False
        self._rows = needed

    def _mark_deleted(self, labels: np.ndarray) -> int:
        rows = self._rows
        hit = np.isin(self._ids[:rows], labels) & ~self._deleted[:rows]
        self._deleted[:rows] |= hit
        count = int(hit.sum())
        self._deleted_count += count
        return count

    def _drop_deleted(self) -> None:
        keep = ~self._deleted[: self._rows]
        hashes, ids = self._hashes[: self._rows][keep], self._ids[: self._rows][keep]
        self._rows = 0
        self._hashes, self._ids = hashes[:0], ids[:0]
        self._deleted, self._deleted_count, self._segments = np.zeros(0, dtype=bool), 0, []
        self._append_rows(ids, hashes)
        self._fold_delta(everything=True)

    def _fold_delta(self, everything: bool = False) -> None:
        """Turn the scanned tail into a segment, then merge segments of similar size."""
        start = self._segment_end()
        if self._rows - start < (1 if everything else self._delta_rows):
            return
        self._segments.append(MihSegment.build(self._hashes[start : self._rows], start))
        while len(self._segments) > 1 and self._segments[-1].size * 2 > self._segments[-2].size:
            newer = self._segments.pop()
            older = self._segments.pop()
            merged = self._hashes[older.start : newer.stop]
            self._segments.append(MihSegment.build(merged, older.start))


def _current_generation(directory: Path) -> int | None:
    try:
        return int(json.loads((directory / storage.MANIFEST).read_bytes())["generation"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _segment_candidates(segment: MihSegment, value: int, radius: int) -> np.ndarray:
    """Rows of ``segment`` worth checking; all of them when probing would cost more."""
    flips = radius // CHUNKS
    probes = CHUNKS * sum(math.comb(segment.prefix_bits, f) for f in range(flips + 1))
    if probes > segment.size:
        return np.arange(segment.start, segment.stop)
    return segment.candidates(_prefixes(value, segment.prefix_bits), radius)


def _prefixes(value: int, bits: int) -> np.ndarray:
    """The query's chunk prefixes (see :func:`vidi.index.mih.chunk_prefixes`)."""
    mask = (1 << bits) - 1
    return np.array(
        [(value >> (HASH_BITS - start - bits)) & mask for start in CHUNK_STARTS], dtype=np.int64
    )


def _grown(array: np.ndarray, capacity: int, used: int) -> np.ndarray:
    grown = np.zeros((capacity,) + array.shape[1:], dtype=array.dtype)
    grown[:used] = array[:used]
    return grown
