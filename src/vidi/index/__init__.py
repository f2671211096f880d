"""Hamming-space index over PDQ hashes: exact radius search that survives restarts."""

from vidi.index.hamming import DEFAULT_RADIUS, Hit, brute_force_search, to_packed
from vidi.index.pdq_index import IndexLocked, PdqIndex
from vidi.index.storage import IndexDamaged

__all__ = [
    "DEFAULT_RADIUS",
    "Hit",
    "IndexDamaged",
    "IndexLocked",
    "PdqIndex",
    "brute_force_search",
    "to_packed",
]
