"""Reference-gallery items ranked for one picture by nearest descriptors, point by point.

Why not the object index: an item fills a few per cent of a picture, so the picture's
visual words are mostly its room's, and TF-IDF ranked the item among everything 81st
on average, never among the feature stage's 8 candidates (bench/gallery_rank.py). A
gallery is small next to a case, so its descriptors themselves can be searched: each of
the picture's points votes for the item holding its nearest descriptor when that one
clearly beats the second nearest (Lowe's ratio test), and the items with most votes
are the ones worth a geometric verification. Each item is held twice, as itself and
as its mirror image, so a picture's own 2,000 points find an item shown either way (the
picture's mirror side has only its strongest 700). The index keeps every item's
features in memory for the verification: with FAISS's copy of the descriptors, ~47 KB
an entry of ~660 points, ~95 MB for 1,000 items and their mirror images. FAISS's
binary inverted file keeps the search approximate and cheap: with its few verifications
~10 ms a picture for 60 items, ~32 ms for 1,000 (docs/performance.md, "Object search, round 7").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import faiss
import numpy as np

from vidi.fingerprints.local_features import DESCRIPTOR_BYTES, LocalFeatures
from vidi.index.openmp import one_thread

PROBES = 2
"""Inverted lists searched per point: 4 found no more items than 2, at 1,000 items, and
cost 1.7 times as much (bench/gallery_rank.py)."""
RATIO = 0.8
"""A point votes only when its nearest descriptor beats the second nearest by this ratio."""
MAX_DISTANCE = 64
"""Bits (of 256) within which a nearest descriptor may vote."""
TRAIN_PER_LIST = 39
"""Training descriptors per list (FAISS's own minimum for a k-means without warnings)."""
TRAIN_PER_LIST_MAX = 64
"""Training descriptors per list at most (a sample of a large gallery)."""
TRAIN_ITERATIONS = 4
"""k-means rounds the lists are trained with: ranking needs lists, not the best lists
(FAISS's 10 found as many items and took 44 s for 1,000 items instead of 4 s)."""


@dataclass(frozen=True)
class GalleryEntry:
    """An item as the index holds it: as itself, or as its mirror image."""

    id: int
    """The item's feature-set id."""
    mirrored: bool
    features: LocalFeatures


@dataclass(frozen=True)
class ItemVotes:
    entry: GalleryEntry
    votes: int
    """The picture's points whose clear nearest descriptor is this entry's."""


class GalleryIndex:
    """Every descriptor of a set of gallery items, searched by nearest neighbour."""

    def __init__(self, entries: Iterable[GalleryEntry]) -> None:
        self.entries = [e for e in entries if len(e.features)]
        parts = [np.ascontiguousarray(e.features.descriptors, np.uint8) for e in self.entries]
        self._owner = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
        self._index: faiss.IndexBinary | None = None
        self._quantizer: faiss.IndexBinaryFlat | None = None
        if not parts:
            return
        everything = np.concatenate(parts)
        if everything.shape[1] != DESCRIPTOR_BYTES:
            raise ValueError(f"descriptors are {DESCRIPTOR_BYTES} bytes")
        # Lists of about sqrt(n) descriptors each balance the centroids against the lists.
        lists = min(len(everything) // TRAIN_PER_LIST, int(np.sqrt(len(everything))))
        if lists < 2:  # a handful of descriptors: searched whole (no k-means to train)
            flat = faiss.IndexBinaryFlat(DESCRIPTOR_BYTES * 8)
            flat.add(everything)
            self._index = flat
            return
        quantizer = faiss.IndexBinaryFlat(DESCRIPTOR_BYTES * 8)
        index = faiss.IndexBinaryIVF(quantizer, DESCRIPTOR_BYTES * 8, lists)
        index.cp.niter = TRAIN_ITERATIONS
        index.cp.max_points_per_centroid = TRAIN_PER_LIST_MAX
        index.train(everything)
        index.add(everything)
        index.nprobe = PROBES
        self._index = index
        self._quantizer = quantizer  # the index refers to it without owning it

    def __len__(self) -> int:
        """Entries held (an item and its mirror image are two)."""
        return len(self.entries)

    def rank(self, descriptors: np.ndarray, top: int, min_votes: int) -> list[ItemVotes]:
        """The ``top`` entries with most votes (at least ``min_votes``) from these points."""
        if self._index is None or len(descriptors) == 0:
            return []
        index = self._index
        distances, nearest = one_thread(lambda: index.search(np.ascontiguousarray(descriptors), 2))
        best, second = distances[:, 0].astype(np.float64), distances[:, 1].astype(np.float64)
        second[nearest[:, 1] < 0] = DESCRIPTOR_BYTES * 8
        clear = (nearest[:, 0] >= 0) & (best <= MAX_DISTANCE) & (best < RATIO * second)
        # One vote per item descriptor: a wallpaper's repeated patch, all of whose copies
        # are nearest to one descriptor of some item, counts once.
        voted = np.unique(nearest[clear, 0])
        votes = np.bincount(self._owner[voted], minlength=len(self.entries))
        order = np.argsort(-votes, kind="stable")[:top]
        return [ItemVotes(self.entries[i], int(votes[i])) for i in order if votes[i] >= min_votes]
