"""The descriptor index: a query's points vote for the pictures holding their nearest
descriptors; saved in segments, reopened, merged, and checked like the other indexes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from vidi.demo.objects import paste, room, textured_object
from vidi.fingerprints.local_features import extract_features
from vidi.index import descriptors as descriptors_module
from vidi.index.descriptors import DescriptorIndex
from vidi.index.pdq_index import IndexLocked
from vidi.index.storage import IndexDamaged
from vidi.index.vocabulary import Vocabulary, train_vocabulary

OBJECT = 450


@pytest.fixture(scope="module")
def pictures() -> list[np.ndarray]:
    """Descriptors of 12 rooms, each with its own object; room 5 holds :data:`OBJECT`."""
    rng = np.random.default_rng(3)
    found = []
    for n in range(12):
        thing = textured_object(OBJECT if n == 5 else 400 + n)
        found.append(extract_features(paste(room(40 + n), thing, rng, scale=0.7)[0]).descriptors)
    return found


@pytest.fixture(scope="module")
def pasted() -> np.ndarray:
    """The points of a box drawn around :data:`OBJECT` pasted into another room, turned."""
    rng = np.random.default_rng(4)
    picture, (x, y, w, h) = paste(room(90), textured_object(OBJECT), rng, scale=0.5, angle=20)
    return extract_features(np.ascontiguousarray(picture[y : y + h, x : x + w])).descriptors


@pytest.fixture(scope="module")
def vocabulary(pictures: list[np.ndarray]) -> Vocabulary:
    return train_vocabulary(np.concatenate(pictures))


def _trained(
    directory: Path, pictures: list[np.ndarray], vocabulary: Vocabulary
) -> DescriptorIndex:
    index = DescriptorIndex.open(directory)
    assert index.use(vocabulary, "v1")  # new: to be filled
    return index


def test_the_pasted_objects_room_gets_the_most_votes(
    tmp_path: Path, pictures: list[np.ndarray], pasted: np.ndarray, vocabulary: Vocabulary
) -> None:
    with _trained(tmp_path, pictures, vocabulary) as index:
        assert len(vocabulary) > 1  # one list a word
        index.add(enumerate(pictures))
        ranked = index.rank(pasted, 3)
    assert ranked[0].id == 5
    assert ranked[0].votes >= 2 * max([r.votes for r in ranked[1:]] + [1])


@pytest.mark.parametrize("threads", [2, 3])
def test_points_shared_out_over_threads_vote_as_on_one(
    tmp_path: Path,
    pictures: list[np.ndarray],
    pasted: np.ndarray,
    vocabulary: Vocabulary,
    threads: int,
) -> None:
    """Each thread asks its share of the points (FAISS on one thread in each); the votes
    are counted over all of them, so the ranking is the one thread's, votes included."""
    with _trained(tmp_path, pictures, vocabulary) as index:
        index.add(enumerate(pictures[:6]))
        index.save()  # two segments: each is asked by every thread
        index.add((6 + i, d) for i, d in enumerate(pictures[6:]))
        alone = index.rank(pasted, 12)
        shared = index.rank(pasted, 12, threads=threads)
    assert alone[0].id == 5 and len(alone) > 3
    assert shared == alone


def test_allowed_limits_the_votes_to_a_scope(
    tmp_path: Path, pictures: list[np.ndarray], pasted: np.ndarray, vocabulary: Vocabulary
) -> None:
    with _trained(tmp_path, pictures, vocabulary) as index:
        index.add(enumerate(pictures))
        ranked = index.rank(pasted, 12, allowed=np.array([1, 2, 3]))
    assert ranked and {r.id for r in ranked} <= {1, 2, 3}


def test_a_picture_kept_twice_gets_the_votes_twice(
    tmp_path: Path, pictures: list[np.ndarray], pasted: np.ndarray, vocabulary: Vocabulary
) -> None:
    """A copy (here: the same descriptors under another id) fails the classic two-nearest
    ratio test for both; against the fourth nearest both keep their votes."""
    with _trained(tmp_path, pictures, vocabulary) as index:
        index.add([*enumerate(pictures), (99, pictures[5])])
        both = index.rank(pasted, 2)
        classic = index.rank(pasted, 2, neighbours=2)
    assert {r.id for r in both} == {5, 99} and min(r.votes for r in both) >= 10
    assert not {5, 99} & {r.id for r in classic if r.votes >= 10}


def test_saved_in_segments_reopened_and_merged(
    tmp_path: Path,
    pictures: list[np.ndarray],
    pasted: np.ndarray,
    vocabulary: Vocabulary,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(descriptors_module, "MAX_SEGMENTS", 3)
    with _trained(tmp_path, pictures, vocabulary) as index:
        for n, descriptors in enumerate(pictures):  # one save a picture: a segment each
            index.add([(n, descriptors)])
            index.save()
            assert len(list(tmp_path.glob("d*.faiss"))) <= 3
        expected = index.rank(pasted, 5)
        held = index.descriptors
    with DescriptorIndex.open(tmp_path) as again:
        assert not again.use(vocabulary, "v1")  # the same lists: kept
        assert again.ids == set(range(12)) and again.descriptors == held
        assert again.rank(pasted, 5) == expected
        assert again.add([(5, pictures[5])]) == 0  # held already: not twice
    with DescriptorIndex.open(tmp_path) as again:
        assert again.use(vocabulary, "v2") and not again.ids  # another extractor's: anew
    with DescriptorIndex.open(tmp_path) as again:
        other = Vocabulary(vocabulary.centres[::-1].copy())
        assert again.use(other, "v1") and not again.ids  # another vocabulary's: anew


def test_a_dropped_picture_gets_no_votes_after_a_reopen(
    tmp_path: Path, pictures: list[np.ndarray], pasted: np.ndarray, vocabulary: Vocabulary
) -> None:
    with _trained(tmp_path, pictures, vocabulary) as index:
        index.add(enumerate(pictures))
        index.save()
        assert index.drop([5, 1234]) == 1
        index.save()
    with DescriptorIndex.open(tmp_path) as again:
        again.use(vocabulary, "v1")
        assert 5 not in again
        assert 5 not in {r.id for r in again.rank(pasted, 12)}


def test_an_index_without_a_vocabulary_asks_for_one(pictures: list[np.ndarray]) -> None:
    index = DescriptorIndex(Path(), None)
    assert index.rank(pictures[0], 3) == []
    with pytest.raises(ValueError, match="vocabulary"):
        index.add([(1, pictures[1])])


def test_a_damaged_segment_is_refused_and_a_second_opener_is_turned_away(
    tmp_path: Path, pictures: list[np.ndarray], vocabulary: Vocabulary
) -> None:
    with _trained(tmp_path, pictures, vocabulary) as index:
        index.add(enumerate(pictures[:3]))
        index.save()
        with pytest.raises(IndexLocked):
            DescriptorIndex.open(tmp_path)
    descriptors_module._LOADED.clear()  # another process: it reads the files
    segment = next(tmp_path.glob("d*.faiss"))
    data = bytearray(segment.read_bytes())
    data[-100] ^= 0xFF
    segment.write_bytes(bytes(data))
    with pytest.raises(IndexDamaged, match="checksum"):
        DescriptorIndex.open(tmp_path)
    manifest = json.loads((tmp_path / "descriptors.json").read_text())
    manifest["extractor"] = "v0"
    (tmp_path / "descriptors.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexDamaged, match="manifest|descriptors.json"):
        DescriptorIndex.open(tmp_path)


def test_a_process_reads_a_saved_segment_once(
    tmp_path: Path,
    pictures: list[np.ndarray],
    pasted: np.ndarray,
    vocabulary: Vocabulary,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Segments are never written twice, so a later query of the same process reads only
    those saved since; one changed in memory (a dropped picture) is a copy, never the
    process's shared one."""
    with _trained(tmp_path, pictures, vocabulary) as index:
        index.add(enumerate(pictures[:6]))
        index.save()
    descriptors_module._LOADED.clear()  # as a new process
    read: list[str] = []
    real = DescriptorIndex._read_segment

    def counted(self, name, files):  # type: ignore[no-untyped-def]
        read.append(name)
        return real(self, name, files)

    monkeypatch.setattr(DescriptorIndex, "_read_segment", counted)
    with DescriptorIndex.open(tmp_path) as first:
        first.use(vocabulary, "v1")
        first.add((n, pictures[n]) for n in range(6, 12))
        first.save()
    with DescriptorIndex.open(tmp_path) as second:
        second.use(vocabulary, "v1")
        assert second.ids == set(range(12)) and second.rank(pasted, 1)[0].id == 5
        assert second.drop([5]) == 1 and 5 not in {r.id for r in second.rank(pasted, 12)}
    assert len(read) == 1  # the first segment, once; the second was this process's own
    with DescriptorIndex.open(tmp_path) as third:  # the drop was not saved
        third.use(vocabulary, "v1")
        assert third.rank(pasted, 1)[0].id == 5
    assert len(read) == 1


def test_a_segment_is_checked_whole_once_and_again_when_its_file_changes(
    tmp_path: Path,
    pictures: list[np.ndarray],
    pasted: np.ndarray,
    vocabulary: Vocabulary,
    hashed_files: list[str],
) -> None:
    """Segments are memory-mapped; their SHA-256 is checked when written and then only
    when the file on disk is no longer the one checked (checked.json's record)."""
    with _trained(tmp_path, pictures, vocabulary) as index:
        index.add(enumerate(pictures[:6]))
        index.save()
        index.add((n, pictures[n]) for n in range(6, 12))
        index.save()
        expected = index.rank(pasted, 5)
    hashed = hashed_files

    def reopened() -> list[descriptors_module.PictureVotes]:
        descriptors_module._LOADED.clear()  # as a new process
        with DescriptorIndex.open(tmp_path) as again:
            again.use(vocabulary, "v1")
            return again.rank(pasted, 5)

    assert reopened() == expected and hashed == []  # checked as they were written
    (tmp_path / "checked.json").unlink()
    assert reopened() == expected and sorted(hashed) == ["d1.faiss", "d2.faiss"]
    assert reopened() == expected and len(hashed) == 2  # recorded again: not twice
    segment = tmp_path / "d2.faiss"
    data = bytearray(segment.read_bytes())
    data[-100] ^= 0xFF
    segment.write_bytes(bytes(data))
    later = segment.stat().st_mtime_ns + 1_000_000  # a write a moment later
    os.utime(segment, ns=(later, later))
    with pytest.raises(IndexDamaged, match="d2.faiss failed its checksum"):
        reopened()
    assert hashed[2:] == ["d2.faiss"]  # d1 is still the file that was checked


def test_a_segment_cut_short_is_refused_before_it_is_mapped(
    tmp_path: Path, pictures: list[np.ndarray], vocabulary: Vocabulary
) -> None:
    with _trained(tmp_path, pictures, vocabulary) as index:
        index.add(enumerate(pictures[:3]))
        index.save()
    descriptors_module._LOADED.clear()
    segment = next(tmp_path.glob("d*.faiss"))
    size = segment.stat().st_size
    os.truncate(segment, size // 2)
    with pytest.raises(IndexDamaged, match=f"{size // 2:,} bytes, {size:,} were written"):
        DescriptorIndex.open(tmp_path)


def test_mapped_segments_merge_smallest_first(
    tmp_path: Path,
    pictures: list[np.ndarray],
    pasted: np.ndarray,
    vocabulary: Vocabulary,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past MAX_SEGMENTS the smallest segments are merged (read from their mapped files,
    which are left as they were), and the largest is not written again."""
    monkeypatch.setattr(descriptors_module, "MAX_SEGMENTS", 2)
    with _trained(tmp_path, pictures, vocabulary) as index:
        index.add(enumerate(pictures[:8]))  # the large one: d1
        index.save()
    for n in range(8, 12):
        descriptors_module._LOADED.clear()  # every segment mapped from its file
        with DescriptorIndex.open(tmp_path) as again:
            again.use(vocabulary, "v1")
            again.add([(n, pictures[n])])
            again.save()
        names = sorted(p.name for p in tmp_path.glob("d*.faiss"))
        assert len(names) <= 2 and "d1.faiss" in names
    descriptors_module._LOADED.clear()
    with DescriptorIndex.open(tmp_path) as again:
        again.use(vocabulary, "v1")
        assert again.ids == set(range(12))
        assert again.descriptors == sum(len(p) for p in pictures)
        assert again.rank(pasted, 1)[0].id == 5


def test_a_stamp_is_kept_in_the_manifest_until_anything_changes(
    tmp_path: Path, pictures: list[np.ndarray], vocabulary: Vocabulary
) -> None:
    """The table's stamp a sync recorded survives a reopen; a picture added or dropped,
    or another vocabulary, clears it."""
    with _trained(tmp_path, pictures, vocabulary) as index:
        index.add(enumerate(pictures[:6]))
        assert index.synced_with is None
        index.synced_with = "6:5"
        assert index.unsaved
        index.save()
        assert not index.unsaved
    with DescriptorIndex.open(tmp_path) as index:
        assert not index.use(vocabulary, "v1") and index.synced_with == "6:5"
        index.add([(7, pictures[7])])
        assert index.synced_with is None and index.unsaved
        index.synced_with = "7:7"
        index.save()
        assert index.drop([7]) == 1 and index.synced_with is None
        index.save()
    with DescriptorIndex.open(tmp_path) as index:
        assert index.synced_with is None and 7 not in index
        index.synced_with = "6:7"
        index.save()
    with DescriptorIndex.open(tmp_path) as index:
        assert index.synced_with == "6:7"
        assert index.use(train_vocabulary(np.concatenate(pictures[:3])), "v1")
        assert index.synced_with is None and index.unsaved
