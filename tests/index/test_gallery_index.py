"""The gallery index: a picture's points vote for the items holding their nearest descriptors."""

from __future__ import annotations

import numpy as np
import pytest

from vidi.demo.objects import paste, room, textured_object
from vidi.fingerprints.local_features import LocalFeatures, extract_features
from vidi.index.gallery_index import GalleryEntry, GalleryIndex


@pytest.fixture(scope="module")
def gallery() -> GalleryIndex:
    entries = []
    for n in range(12):
        item = textured_object(300 + n)
        entries.append(GalleryEntry(1000 + n, False, extract_features(item)))
        flipped = np.ascontiguousarray(item[:, ::-1])
        entries.append(GalleryEntry(1000 + n, True, extract_features(flipped)))
    return GalleryIndex(entries)


def _shown(seed: int, item: int, mirrored: bool) -> LocalFeatures:
    rng = np.random.default_rng(seed)
    picture, _ = paste(room(seed), textured_object(item), rng, scale=0.6, angle=12)
    return extract_features(np.ascontiguousarray(picture[:, ::-1]) if mirrored else picture)


@pytest.mark.parametrize("mirrored", [False, True])
def test_an_item_in_a_room_gets_the_most_votes_as_shown(
    gallery: GalleryIndex, mirrored: bool
) -> None:
    ranked = gallery.rank(_shown(70, 305, mirrored).descriptors, 3, 1)
    assert (ranked[0].entry.id, ranked[0].entry.mirrored) == (1005, mirrored)
    assert ranked[0].votes > ranked[1].votes


def test_no_item_reaches_the_floor_in_a_room_without_one(gallery: GalleryIndex) -> None:
    empty_room = extract_features(room(72)).descriptors
    assert len(gallery.rank(empty_room, 30, 0)) == len(gallery) == 24
    assert gallery.rank(empty_room, 30, 100) == []


def test_an_empty_gallery_ranks_nothing_and_bad_descriptors_are_refused() -> None:
    nothing = LocalFeatures(np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8), 9, 9)
    empty = GalleryIndex([GalleryEntry(1, False, nothing)])
    assert len(empty) == 0
    assert empty.rank(np.zeros((5, 32), np.uint8), 3, 0) == []
    narrow = LocalFeatures(np.zeros((50, 2), np.float32), np.zeros((50, 16), np.uint8), 9, 9)
    with pytest.raises(ValueError, match="32 bytes"):
        GalleryIndex([GalleryEntry(1, False, narrow)])


def test_a_gallery_of_a_few_points_is_searched_whole_without_a_warning(capfd) -> None:
    """FAISS warns on stderr when it trains lists on too few points: a gallery too small
    for lists is searched whole, so ingest prints nothing of it."""
    rng = np.random.default_rng(3)
    descriptors = rng.integers(0, 256, (20, 32), dtype=np.uint8)
    item = LocalFeatures(np.zeros((20, 2), np.float32), descriptors, 100, 100)
    small = GalleryIndex([GalleryEntry(7, False, item)])
    ranked = small.rank(descriptors[:10], 1, 1)
    assert (ranked[0].entry.id, ranked[0].votes) == (7, 10)
    assert "WARNING" not in capfd.readouterr().err
