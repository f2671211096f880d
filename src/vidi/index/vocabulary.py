"""A visual vocabulary: binary descriptors clustered into words, trained on the collection.

Why: comparing a query's descriptors with every stored descriptor does not scale;
quantising each descriptor to its nearest of ``k`` cluster centres ("visual words")
turns a picture into a bag of words that an inverted file searches in milliseconds.
The centres are learned from the collection's own descriptors with ``faiss.Kmeans``
(bits as 0/1 floats; each centre rounded back to bits), so nothing is downloaded.
"""

from __future__ import annotations

import faiss
import numpy as np

from vidi.fingerprints.local_features import DESCRIPTOR_BYTES

TRAIN_SAMPLE = 200_000
"""Descriptors k-means sees at most (a random sample of the collection's)."""
MAX_WORDS = 65_536
DESCRIPTORS_PER_WORD = 40
"""A word wants about this many training descriptors: fewer words when little is known."""


def vocabulary_size(descriptors: int) -> int:
    """Words for a collection of ``descriptors``: 64 at the least, 65,536 at the most."""
    words = 64
    while words * 2 * DESCRIPTORS_PER_WORD <= descriptors and words < MAX_WORDS:
        words *= 2
    return words


def train_vocabulary(descriptors: np.ndarray, seed: int = 1234) -> np.ndarray:
    """(k, 32) uint8 word centres learned from (n, 32) uint8 descriptors."""
    rng = np.random.default_rng(seed)
    if len(descriptors) > TRAIN_SAMPLE:
        descriptors = descriptors[rng.choice(len(descriptors), TRAIN_SAMPLE, replace=False)]
    words = min(vocabulary_size(len(descriptors)), max(1, len(descriptors)))
    bits = np.unpackbits(descriptors, axis=1).astype(np.float32)
    kmeans = faiss.Kmeans(
        bits.shape[1], words, niter=12, seed=seed, verbose=False, max_points_per_centroid=1_000
    )
    kmeans.train(bits)
    assert kmeans.centroids is not None
    return np.packbits(kmeans.centroids > 0.5, axis=1)


class Vocabulary:
    """Nearest word (Hamming) for each descriptor."""

    def __init__(self, centres: np.ndarray) -> None:
        if centres.ndim != 2 or centres.shape[1] != DESCRIPTOR_BYTES:
            raise ValueError(f"word centres must be (k, {DESCRIPTOR_BYTES}) bytes")
        self.centres = np.ascontiguousarray(centres, dtype=np.uint8)
        self._search = faiss.IndexBinaryFlat(DESCRIPTOR_BYTES * 8)
        self._search.add(self.centres)

    def __len__(self) -> int:
        return len(self.centres)

    def words(self, descriptors: np.ndarray) -> np.ndarray:
        """The word (int32) of each descriptor."""
        if len(descriptors) == 0:
            return np.zeros(0, np.int32)
        # One thread: a picture's few hundred descriptors are too few to share out, and
        # OpenMP threads that wait for a busy core made this 35 times slower under load.
        previous = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            _, nearest = self._search.search(np.ascontiguousarray(descriptors, np.uint8), 1)
        finally:
            faiss.omp_set_num_threads(previous)
        return nearest[:, 0].astype(np.int32)
