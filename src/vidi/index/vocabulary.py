"""A visual vocabulary: binary descriptors clustered into words, trained on the collection.

Why: comparing a query's descriptors with every stored descriptor does not scale;
quantising each descriptor to its nearest of ``k`` cluster centres ("visual words")
turns a picture into a bag of words that an inverted file searches in milliseconds.
The centres are learned from the collection's own descriptors by k-means in Hamming
space (:func:`train_vocabulary`), so nothing is downloaded.

A large vocabulary is a two-level tree: about sqrt(k) coarse centres, and under each
the words of the descriptors nearest to it. A descriptor is compared with the coarse
centres and then with the words of its nearest group(s) only, so 32,768 words cost
fewer comparisons than 4,096 flat ones. Many words matter for a small object in a
large picture: with 4,096 words a picture of 2,000 points holds about a third of them,
and every picture shares words with every query by chance (docs/performance.md,
"Object search, round 4").
"""

from __future__ import annotations

import threading
from typing import TypeVar

import faiss
import numpy as np
from scipy import sparse

from vidi.fingerprints.local_features import DESCRIPTOR_BYTES
from vidi.index.openmp import one_thread

T = TypeVar("T")

TRAIN_SAMPLE = 2_000_000
"""Descriptors k-means sees at most (a random sample of the collection's)."""
MAX_WORDS = 65_536
DESCRIPTORS_PER_WORD = 40
"""A word wants about this many training descriptors: fewer words when little is known."""
ITERATIONS = 12
TREE_FROM = 1_024
"""Vocabularies of this many words or more are trained and searched as a two-level tree."""
COARSE_SAMPLE = 200
"""Training descriptors per coarse centre (a random sample: the coarse level is cheap)."""
PROBES = 2
"""Groups of words a descriptor is compared with in a tree: its nearest coarse centres.
3 groups put a pasted object's original among 100 candidates for 85 % of boxes instead
of 80 % at 3,120 generated pictures, but for 65 % instead of 70 % at 10,120 (recall@10
52 % against 53 %): no clear gain (docs/performance.md, "Object search, round 4")."""
CHUNK = 256
"""Descriptors whose distances to every centre are tabled at once (4 MB at 4,096 words)."""


def vocabulary_size(descriptors: int) -> int:
    """Words for a collection of ``descriptors``: 64 at the least, 65,536 at the most."""
    words = 64
    while words * 2 * DESCRIPTORS_PER_WORD <= descriptors and words < MAX_WORDS:
        words *= 2
    return words


def train_vocabulary(descriptors: np.ndarray, seed: int = 1234) -> Vocabulary:
    """A vocabulary learned from (n, 32) uint8 descriptors.

    k-means in Hamming space ("k-majority"): each descriptor goes to its nearest centre
    by Hamming distance, and each centre becomes the bitwise majority of its
    descriptors. Float k-means over the bits as 0/1 (``faiss.Kmeans``, then rounded)
    reached a slightly worse mean distance (27.3 against 27.1 bits on 28,000
    descriptors) at about four times the time. From :data:`TREE_FROM` words: first
    about sqrt(k) coarse centres, then each coarse group's own words, as many as its
    share of the descriptors wants (a hierarchical k-means, as in a vocabulary tree).
    """
    rng = np.random.default_rng(seed)
    if len(descriptors) > TRAIN_SAMPLE:
        descriptors = descriptors[rng.choice(len(descriptors), TRAIN_SAMPLE, replace=False)]
    descriptors = np.ascontiguousarray(descriptors, np.uint8)
    count = len(descriptors)
    if count == 0:
        return Vocabulary(np.zeros((1, DESCRIPTOR_BYTES), np.uint8))
    words = min(vocabulary_size(count), count)
    if words < TREE_FROM:
        return Vocabulary(_k_majority(descriptors, words, rng))
    groups = 1 << round(np.log2(np.sqrt(words)))
    sample = descriptors[rng.choice(count, min(count, groups * COARSE_SAMPLE), replace=False)]
    coarse = _k_majority(sample, groups, rng)
    owner = nearest_centres(coarse, descriptors)
    order = np.argsort(owner, kind="stable")
    starts = np.searchsorted(owner[order], np.arange(groups + 1))
    shares = _shares(np.diff(starts), words)
    fine = [
        _k_majority(descriptors[order[starts[g] : starts[g + 1]]], int(shares[g]), rng)
        for g in range(groups)
        if shares[g] > 0
    ]
    return Vocabulary(np.concatenate(fine), coarse)


def _shares(sizes: np.ndarray, words: int) -> np.ndarray:
    """Words per group in proportion to its descriptors (largest remainders), at least
    one for a group with any and never more than it has."""
    wanted = words * sizes / max(1, int(sizes.sum()))
    shares = np.minimum(np.maximum(np.floor(wanted), sizes > 0), sizes).astype(np.int64)
    for group in np.argsort(shares - wanted, kind="stable"):
        if shares.sum() >= words:
            break
        if shares[group] < sizes[group]:
            shares[group] += 1
    return shares


def _k_majority(descriptors: np.ndarray, words: int, rng: np.random.Generator) -> np.ndarray:
    """(words, 32) centres of ``descriptors`` by k-majority (exact nearest centres)."""
    count = len(descriptors)
    centres = descriptors[rng.choice(count, words, replace=False)].copy()
    if words == 1:
        return _majority(descriptors)
    bits = np.unpackbits(descriptors, axis=1).astype(np.float32)
    rows = np.arange(count)
    for _ in range(ITERATIONS):
        nearest = nearest_centres(centres, descriptors)
        members = sparse.csr_matrix(
            (np.ones(count, np.float32), (nearest, rows)), shape=(words, count)
        )
        sizes = np.bincount(nearest, minlength=words)
        centres = np.packbits((members @ bits) * 2 > sizes[:, None], axis=1)
        empty = sizes == 0  # restarted at random descriptors
        centres[empty] = descriptors[rng.choice(count, int(empty.sum()), replace=False)]
    return np.ascontiguousarray(centres)


def _majority(descriptors: np.ndarray) -> np.ndarray:
    bits = np.unpackbits(descriptors, axis=1)
    return np.packbits(bits.sum(axis=0) * 2 > len(descriptors))[None, :]


def nearest_centres(centres: np.ndarray, descriptors: np.ndarray) -> np.ndarray:
    """Index of the nearest centre (Hamming; the first of equals) of each descriptor.

    From tables of Hamming distances that FAISS fills (256 descriptors at a time, in
    reused memory) and NumPy's argmin: the same words as FAISS's flat binary index
    gives, in half its time (2,000 descriptors, 4,096 words: 16 ms against 32 ms)."""
    centres = np.ascontiguousarray(centres, np.uint8)
    descriptors = np.ascontiguousarray(descriptors, np.uint8)
    nearest = np.empty(len(descriptors), np.int64)
    if len(centres) == 0:
        nearest.fill(-1)
        return nearest
    if _scratch.table.size < CHUNK * len(centres):
        _scratch.table = np.empty(CHUNK * len(centres), np.int32)
    for start in range(0, len(descriptors), CHUNK):
        part = descriptors[start : start + CHUNK]
        table = _scratch.table[: len(part) * len(centres)].reshape(len(part), len(centres))
        faiss.hammings(  # type: ignore[attr-defined]  # not in FAISS's type stubs; one thread
            faiss.swig_ptr(part),
            faiss.swig_ptr(centres),
            len(part),
            len(centres),
            DESCRIPTOR_BYTES,
            faiss.swig_ptr(table),
        )
        nearest[start : start + len(part)] = table.argmin(axis=1)
    return nearest


class _Scratch(threading.local):
    table = np.empty(0, np.int32)


_scratch = _Scratch()


class Vocabulary:
    """Nearest word (Hamming) for each descriptor: flat, or a two-level tree when
    ``coarse`` centres are given (its words are then searched through FAISS's binary
    inverted file, each word listed under its nearest coarse centre)."""

    def __init__(self, centres: np.ndarray, coarse: np.ndarray | None = None) -> None:
        if centres.ndim != 2 or centres.shape[1] != DESCRIPTOR_BYTES:
            raise ValueError(f"word centres must be (k, {DESCRIPTOR_BYTES}) bytes")
        self.centres = np.ascontiguousarray(centres, dtype=np.uint8)
        self.coarse = (
            np.zeros((0, DESCRIPTOR_BYTES), np.uint8)
            if coarse is None
            else np.ascontiguousarray(coarse, dtype=np.uint8)
        )
        if self.coarse.ndim != 2 or self.coarse.shape[1] != DESCRIPTOR_BYTES:
            raise ValueError(f"coarse centres must be (g, {DESCRIPTOR_BYTES}) bytes")
        self._tree: faiss.IndexBinaryIVF | None = None
        if len(self.coarse):
            quantizer = faiss.IndexBinaryFlat(DESCRIPTOR_BYTES * 8)
            quantizer.add(self.coarse)
            tree = faiss.IndexBinaryIVF(quantizer, DESCRIPTOR_BYTES * 8, len(self.coarse))
            tree.is_trained = True
            tree.own_fields = False
            ids = np.arange(len(self.centres), dtype=np.int64)
            one_thread(lambda: tree.add_with_ids(self.centres, ids))
            tree.nprobe = PROBES
            self._quantizer = quantizer  # the inverted file does not own it
            self._tree = tree

    def __len__(self) -> int:
        return len(self.centres)

    @property
    def is_tree(self) -> bool:
        return self._tree is not None

    def words(self, descriptors: np.ndarray, nearest: int = 1) -> np.ndarray:
        """The word (int32) of each descriptor; with ``nearest`` above 1, an (n, nearest)
        array of each descriptor's nearest words, nearest first (-1 where a tree's probed
        groups hold fewer words)."""
        descriptors = np.ascontiguousarray(descriptors, np.uint8)
        if len(descriptors) == 0:
            return np.zeros((0,) if nearest == 1 else (0, nearest), np.int32)
        if self._tree is not None:
            tree = self._tree
            found = one_thread(lambda: tree.search(descriptors, nearest))[1].astype(np.int32)
            if nearest == 1:
                lost = found[:, 0] < 0
                if lost.any():  # every probed group empty: ask all words
                    found[lost, 0] = nearest_centres(self.centres, descriptors[lost])
                return found[:, 0]
            return found
        if nearest == 1:
            return nearest_centres(self.centres, descriptors).astype(np.int32)
        return _nearest_flat(self.centres, descriptors, nearest)


def _nearest_flat(centres: np.ndarray, descriptors: np.ndarray, nearest: int) -> np.ndarray:
    index = faiss.IndexBinaryFlat(DESCRIPTOR_BYTES * 8)
    index.add(centres)
    found = one_thread(lambda: index.search(descriptors, nearest))[1]
    return found.astype(np.int32)
