"""Sharded PDQ index and read-only views: the same answers as one index, readers never wait."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import numpy as np
import pytest

from vidi.index import IndexDamaged, PdqIndex, brute_force_search
from vidi.index.shards import ShardedIndex, shard_of


def test_sharded_search_equals_brute_force(mixed_hashes: np.ndarray, tmp_path: Path) -> None:
    ids = np.arange(len(mixed_hashes), dtype=np.int64) + (2 << 60)
    with ShardedIndex.open(tmp_path / "shards", 4) as sharded:
        sharded.add(ids, mixed_hashes)
        queries = mixed_hashes[:40]
        found = sharded.search_many(queries, 31)
    for query, hits in zip(queries, found, strict=True):
        expected = brute_force_search(mixed_hashes, query, 31, ids)
        assert [(h.id, h.distance) for h in hits] == [(h.id, h.distance) for h in expected]


def test_every_shard_holds_part_of_media_labels_sharing_their_top_bits() -> None:
    ids = (np.arange(10_000, dtype=np.int64) * 7919) | (0 << 60)
    counts = np.bincount(shard_of(ids, 8), minlength=8)
    assert counts.min() > 10_000 / 8 * 0.8


def test_sharded_index_survives_reopen_and_removal(
    mixed_hashes: np.ndarray, tmp_path: Path
) -> None:
    ids = np.arange(len(mixed_hashes), dtype=np.int64)
    with ShardedIndex.open(tmp_path / "s", 3) as sharded:
        sharded.add(ids, mixed_hashes)
        sharded.save()
        assert sharded.remove(ids[:10]) == 10
    with ShardedIndex.open(tmp_path / "s", 3) as sharded:
        assert len(sharded) == len(ids) - 10
        assert all(h.id >= 10 for h in sharded.search(mixed_hashes[0], 0))


def test_a_different_shard_count_is_refused_so_the_owner_rebuilds(tmp_path: Path) -> None:
    ShardedIndex.open(tmp_path / "s", 2).close()
    with pytest.raises(IndexDamaged, match="records 2 shards, 4 were asked for"):
        ShardedIndex.open(tmp_path / "s", 4)


def test_a_read_only_view_opens_while_the_writer_holds_the_lock(
    mixed_hashes: np.ndarray, tmp_path: Path
) -> None:
    ids = np.arange(len(mixed_hashes), dtype=np.int64)
    with PdqIndex.open(tmp_path / "i") as writer:
        writer.add(ids[:1000], mixed_hashes[:1000])
        writer.save()
        writer.add(ids[1000:1500], mixed_hashes[1000:1500])  # in the log only
        view = PdqIndex.open_read_only(tmp_path / "i")
        assert len(view) == 1500
        with pytest.raises(Exception, match="read-only"):
            view.add(ids[:1], mixed_hashes[:1])
        assert (tmp_path / "i" / "g1.log").stat().st_size > 0


def _keep_writing(directory: str, hashes: np.ndarray, rounds: int) -> None:
    with PdqIndex.open(Path(directory), delta_rows=256) as writer:
        step = len(hashes) // rounds
        for r in range(rounds):
            chunk = slice(r * step, (r + 1) * step)
            writer.add(np.arange(chunk.start, chunk.stop, dtype=np.int64), hashes[chunk])
            if r % 3 == 0:
                writer.save()  # a new generation; the old one's files are removed


def test_a_reader_in_another_process_sees_a_whole_state_during_writes(
    mixed_hashes: np.ndarray, tmp_path: Path
) -> None:
    directory = tmp_path / "i"
    PdqIndex.open(directory).close()
    writer = multiprocessing.get_context("fork").Process(
        target=_keep_writing, args=(str(directory), mixed_hashes, 30)
    )
    writer.start()
    seen = []
    while writer.is_alive() or not seen:
        view = PdqIndex.open_read_only(directory)
        count = len(view)
        # every row a view holds is found by its own hash: a whole generation plus log
        ids, hashes = view.rows()
        for row in range(0, count, max(1, count // 5)):
            assert any(h.id == ids[row] for h in view.search(hashes[row], 0))
        seen.append(count)
    writer.join()
    assert writer.exitcode == 0
    assert seen == sorted(seen)
    final = PdqIndex.open_read_only(directory)
    step = len(mixed_hashes) // 30
    assert len(final) == step * 30
