"""Hamming-space index over PDQ hashes: exact radius search that survives restarts."""

from vidi.index.hamming import DEFAULT_RADIUS, Hit, brute_force_search, to_packed
from vidi.index.pdq_index import IndexLocked, PdqIndex

__all__ = ["DEFAULT_RADIUS", "Hit", "IndexLocked", "PdqIndex", "brute_force_search", "to_packed"]
