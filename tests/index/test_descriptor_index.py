"""The descriptor index: a query's points vote for the pictures holding their nearest
descriptors; saved in segments, reopened, merged, and checked like the other indexes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from vidi.demo.objects import paste, room, textured_object
from vidi.fingerprints.local_features import extract_features
from vidi.index import descriptors as descriptors_module
from vidi.index.descriptors import DescriptorIndex, lists_for, training_size
from vidi.index.pdq_index import IndexLocked
from vidi.index.storage import IndexDamaged

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


def _trained(directory: Path, pictures: list[np.ndarray]) -> DescriptorIndex:
    index = DescriptorIndex.open(directory)
    everything = np.concatenate(pictures)
    lists = lists_for(len(everything))
    index.reset(everything[:: max(1, len(everything) // training_size(lists))], 12, "v1", lists)
    return index


def test_the_pasted_objects_room_gets_the_most_votes(
    tmp_path: Path, pictures: list[np.ndarray], pasted: np.ndarray
) -> None:
    with _trained(tmp_path, pictures) as index:
        assert index.centres is not None and len(index.centres) > 1  # inverted lists
        index.add(enumerate(pictures))
        ranked = index.rank(pasted, 3)
    assert ranked[0].id == 5
    assert ranked[0].votes >= 3 * max([r.votes for r in ranked[1:]] + [1])


def test_allowed_limits_the_votes_to_a_scope(
    tmp_path: Path, pictures: list[np.ndarray], pasted: np.ndarray
) -> None:
    with _trained(tmp_path, pictures) as index:
        index.add(enumerate(pictures))
        ranked = index.rank(pasted, 12, allowed=np.array([1, 2, 3]))
    assert ranked and {r.id for r in ranked} <= {1, 2, 3}


def test_a_picture_kept_twice_gets_the_votes_twice(
    tmp_path: Path, pictures: list[np.ndarray], pasted: np.ndarray
) -> None:
    """A copy (here: the same descriptors under another id) fails the classic two-nearest
    ratio test for both; against the fourth nearest both keep their votes."""
    with _trained(tmp_path, pictures) as index:
        index.add([*enumerate(pictures), (99, pictures[5])])
        both = index.rank(pasted, 2)
        classic = index.rank(pasted, 2, neighbours=2)
    assert {r.id for r in both} == {5, 99} and min(r.votes for r in both) >= 10
    assert not {5, 99} & {r.id for r in classic if r.votes >= 10}


def test_saved_in_segments_reopened_and_merged(
    tmp_path: Path, pictures: list[np.ndarray], pasted: np.ndarray, monkeypatch
) -> None:
    monkeypatch.setattr(descriptors_module, "MAX_SEGMENTS", 3)
    with _trained(tmp_path, pictures) as index:
        for n, descriptors in enumerate(pictures):  # one save a picture: a segment each
            index.add([(n, descriptors)])
            index.save()
            assert len(list(tmp_path.glob("d*.faiss.npy"))) <= 3
        expected = index.rank(pasted, 5)
        held = index.descriptors
    with DescriptorIndex.open(tmp_path) as again:
        assert again.ids == set(range(12)) and again.descriptors == held
        assert again.rank(pasted, 5) == expected
        assert (again.trained_on, again.extractor) == (12, "v1")
        assert again.add([(5, pictures[5])]) == 0  # held already: not twice


def test_a_dropped_picture_gets_no_votes_after_a_reopen(
    tmp_path: Path, pictures: list[np.ndarray], pasted: np.ndarray
) -> None:
    with _trained(tmp_path, pictures) as index:
        index.add(enumerate(pictures))
        index.save()
        assert index.drop([5, 1234]) == 1
        index.save()
    with DescriptorIndex.open(tmp_path) as again:
        assert 5 not in again
        assert 5 not in {r.id for r in again.rank(pasted, 12)}


def test_a_few_descriptors_are_searched_as_one_list(pictures: list[np.ndarray]) -> None:
    index = DescriptorIndex.in_memory(pictures[0][:20], lists_for(20))
    assert index.centres is not None and len(index.centres) == 0
    index.add([(1, pictures[1][:50]), (2, pictures[2][:50])])
    assert index.rank(pictures[2][:30], 2)[0].id == 2


def test_a_damaged_segment_is_refused_and_a_second_opener_is_turned_away(
    tmp_path: Path, pictures: list[np.ndarray]
) -> None:
    with _trained(tmp_path, pictures) as index:
        index.add(enumerate(pictures[:3]))
        index.save()
        with pytest.raises(IndexLocked):
            DescriptorIndex.open(tmp_path)
    segment = next(tmp_path.glob("d*.faiss.npy"))
    data = bytearray(segment.read_bytes())
    data[-100] ^= 0xFF
    segment.write_bytes(bytes(data))
    with pytest.raises(IndexDamaged, match="checksum"):
        DescriptorIndex.open(tmp_path)
    manifest = json.loads((tmp_path / "descriptors.json").read_text())
    manifest["trained_on"] = 1
    (tmp_path / "descriptors.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexDamaged, match="manifest|descriptors.json"):
        DescriptorIndex.open(tmp_path)
