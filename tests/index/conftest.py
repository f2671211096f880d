"""Fixtures for the index tests: real PDQ hashes and near-duplicate families."""

from __future__ import annotations

import numpy as np
import pytest
from pdq_samples import benign_picture, family_hashes, transformed_copies

from vidi.fingerprints.pdq import pdq_hash
from vidi.index import storage


@pytest.fixture(scope="session")
def picture_hashes() -> np.ndarray:
    """PDQ hashes of 24 generated pictures and six transformed copies of each."""
    rng = np.random.default_rng(11)
    hexes = []
    for _ in range(24):
        picture = benign_picture(rng)
        hexes.append(pdq_hash(picture).hex)
        hexes.extend(pdq_hash(copy).hex for copy in transformed_copies(picture))
    return np.frombuffer(bytes.fromhex("".join(hexes)), dtype=np.uint8).reshape(-1, 32)


@pytest.fixture(scope="session")
def mixed_hashes(picture_hashes: np.ndarray) -> np.ndarray:
    """Picture hashes, families and uniform random hashes, shuffled: 5,000+ rows."""
    rng = np.random.default_rng(12)
    families = family_hashes(rng, families=60, size=40)
    uniform = rng.integers(0, 256, (2500, 32), dtype=np.uint8)
    everything = np.concatenate([picture_hashes, families, uniform])
    return everything[rng.permutation(len(everything))]


@pytest.fixture
def hashed_files(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the index files hashed whole on open from now on, in order
    (:func:`vidi.index.storage.check_file`; a writer hashes what it writes itself)."""
    hashed: list[str] = []
    real = storage.check_file

    def counted(path, recorded):  # type: ignore[no-untyped-def]
        hashed.append(path.name)
        real(path, recorded)

    monkeypatch.setattr(storage, "check_file", counted)
    return hashed
