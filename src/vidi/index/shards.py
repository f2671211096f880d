"""The PDQ index cut into shards, queried side by side and merged.

Why: one index of 100 million hashes is one process's memory and one core's queries.
Cut by a hash of the row's id into ``count`` shards (each a whole
:class:`~vidi.index.pdq_index.PdqIndex` in its own folder), a radius query asks every
shard at once — the MIH probes and popcounts run in NumPy, which releases the GIL, so
threads use every core — and the hits are merged nearest first. Each shard is as small
as one N-th of the whole: rebuilt, saved and checked N times faster, and on a cluster
each shard can live on its own machine behind ``vidi index serve``.

Layout: ``shards.json`` records the shard count; ``s0`` .. ``s{N-1}`` hold the shards.
A missing or different ``shards.json``, or a damaged shard, raises
:class:`~vidi.index.storage.IndexDamaged`, so the owner rebuilds from the database.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

import numpy as np

from vidi.index.hamming import DEFAULT_RADIUS, HashesLike, Hit, check_radius, to_packed
from vidi.index.pdq_index import PdqIndex
from vidi.index.storage import IndexDamaged

SHARDS_FILE = "shards.json"
_MIX = np.uint64(0x9E3779B97F4A7C15)
"""Fibonacci hashing: media labels share their top bits, so ids are mixed first."""


def shard_of(ids: np.ndarray, count: int) -> np.ndarray:
    """The shard (0 .. count-1) each int64 id belongs to; the same on every machine."""
    mixed = np.asarray(ids, dtype=np.int64).view(np.uint64) * _MIX
    return ((mixed >> np.uint64(32)) % np.uint64(count)).astype(np.int64)


class ShardedIndex:
    """``count`` PDQ indexes that answer as one: the same methods as :class:`PdqIndex`."""

    def __init__(self, directory: Path, shards: list[PdqIndex]) -> None:
        self.directory = directory
        self.shards = shards
        self._pool = ThreadPoolExecutor(max_workers=len(shards), thread_name_prefix="shard")

    @classmethod
    def open(cls, directory: Path, count: int, *, read_only: bool = False) -> ShardedIndex:
        """Open (creating when empty) ``count`` shards; read-only views take no lock."""
        if count < 1:
            raise ValueError(f"a sharded index needs at least one shard, not {count}")
        directory = Path(directory)
        recorded = _recorded_count(directory)
        if recorded is None and not read_only and not any(directory.glob("s*")):
            directory.mkdir(parents=True, exist_ok=True)
            (directory / SHARDS_FILE).write_text(json.dumps({"shards": count}))
        elif recorded != count:
            found = "no shard count" if recorded is None else f"{recorded} shards"
            raise IndexDamaged(SHARDS_FILE, f"records {found}, {count} were asked for")
        opened: list[PdqIndex] = []
        try:
            for i in range(count):
                path = directory / f"s{i}"
                opened.append(PdqIndex.open_read_only(path) if read_only else PdqIndex.open(path))
        except BaseException:
            for shard in opened:
                shard.close()
            raise
        return cls(directory, opened)

    @classmethod
    def build_from(cls, source: Path, directory: Path, count: int) -> ShardedIndex:
        """A new sharded index holding what the single index in ``source`` holds."""
        whole = PdqIndex.open_read_only(source)
        sharded = cls.open(directory, count)
        ids, hashes = whole.rows()
        sharded.add(ids, hashes)
        sharded.save()
        return sharded

    def close(self) -> None:
        for shard in self.shards:
            shard.close()
        self._pool.shutdown(wait=False)

    def __enter__(self) -> ShardedIndex:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __len__(self) -> int:
        return sum(len(shard) for shard in self.shards)

    def add(self, ids: Sequence[int] | np.ndarray, hashes: HashesLike) -> None:
        labels = np.asarray(ids, dtype=np.int64).reshape(-1)
        packed = to_packed(hashes)
        if len(labels) != len(packed):
            raise ValueError(f"{len(labels)} ids for {len(packed)} hashes")
        where = shard_of(labels, len(self.shards))
        for i, shard in enumerate(self.shards):
            mine = where == i
            if mine.any():
                shard.add(labels[mine], packed[mine])

    def remove(self, ids: Sequence[int] | np.ndarray) -> int:
        labels = np.asarray(ids, dtype=np.int64).reshape(-1)
        where = shard_of(labels, len(self.shards))
        return sum(
            shard.remove(labels[where == i])
            for i, shard in enumerate(self.shards)
            if (where == i).any()
        )

    def save(self) -> None:
        list(self._pool.map(lambda shard: shard.save(), self.shards))

    def search(self, query: str | np.ndarray, radius: int = DEFAULT_RADIUS) -> list[Hit]:
        packed = to_packed([query] if isinstance(query, str) else query.reshape(1, 32))
        return self.search_many(packed, radius)[0]

    def search_many(self, queries: HashesLike, radius: int = DEFAULT_RADIUS) -> list[list[Hit]]:
        """Every shard answers all the queries at once; the hits are merged per query."""
        packed = to_packed(queries)
        radius = check_radius(radius)
        answers = list(self._pool.map(lambda s: s.search_many(packed, radius), self.shards))
        merged: list[list[Hit]] = []
        for per_query in zip(*answers, strict=True) if answers else []:
            hits = [hit for found in per_query for hit in found]
            hits.sort(key=lambda hit: (hit.distance, hit.id))
            merged.append(hits)
        return merged or [[] for _ in range(len(packed))]


def _recorded_count(directory: Path) -> int | None:
    try:
        return int(json.loads((directory / SHARDS_FILE).read_text())["shards"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        raise IndexDamaged(SHARDS_FILE, "cannot be read") from None
