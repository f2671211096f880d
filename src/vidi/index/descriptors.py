"""Every stored descriptor of every picture, searched by nearest neighbour, point by point.

Why: the object index ranks pictures by shared visual words, and an object pasted into
another room is a few per cent of its new picture's words: its original ranked among a
region query's first 10 candidates for 2 of 60 boxes at 3,120 generated pictures. Asked
point by point instead, each of the box's points voting for the picture that holds its
clearly nearest descriptor (Lowe's ratio test), the original ranked among the first 10
for 56 of 60 (docs/performance.md, "A lead for objects pasted into new rooms"). The
region query asks both and verifies both rankings' first candidates.

What it holds: each picture's descriptors (32 bytes a point) in FAISS binary inverted
files, about sqrt(n) lists trained on a sample of the collection's own descriptors
(nothing downloaded), with each descriptor's id = feature-set id × 4,096 + its point
number, so a vote can be counted once per stored descriptor. In memory ~40 bytes a
point: 80 KB for a picture of 2,000 points, 0.8 GB for 10,000 pictures, 8 GB for
100,000. Past that it is sharded as the object index is (docs/objects.md, "Scaling past
one machine").

Layout (checked like the other indexes, :mod:`vidi.index.storage`): ``descriptors.json``
names the lists' centres (``c{n}.centres.npy``) and the segments, each a FAISS index
serialised to ``d{n}.faiss.npy`` with the feature-set ids it holds in ``d{n}.sets.npy``,
and records each file's size and SHA-256; a file is never written twice.
A save writes the segments added or changed since the last save and then switches the
manifest atomically; more than :data:`MAX_SEGMENTS` are merged into one first. The
features table is the truth: :func:`vidi.objects.features.sync_descriptors` adds back
whatever a crash lost.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import faiss
import numpy as np

from vidi.fingerprints.local_features import DESCRIPTOR_BYTES
from vidi.index.gallery_index import MAX_DISTANCE, RATIO
from vidi.index.openmp import one_thread
from vidi.index.pdq_index import IndexLocked
from vidi.index.storage import (
    IndexDamaged,
    _fsync_dir,
    _manifest_checksum,
    _read_array,
    _write_array,
)

MANIFEST = "descriptors.json"
FORMAT = "vidi-descriptor-index"
FORMAT_VERSION = 1
POINT_BITS = 12
"""A descriptor's id is its feature set's id shifted by this many bits, plus its point
number (pictures keep at most 2,000 points)."""
PROBES = 2
"""Inverted lists a query descriptor is compared in (as the gallery search)."""
NEIGHBOURS = 4
"""Nearest descriptors a query point looks at: it votes for each of the first
``NEIGHBOURS - 1`` that is clearly nearer than the last (Lowe's ratio test against the
background). With 2 (the classic test) a picture kept twice, as a copy resized or
recompressed, would get no vote at all: its two nearly equal descriptors fail the test."""
MAX_LISTS = 65_536
TRAIN_PER_LIST = 39
"""Training descriptors a list wants at the least (FAISS's own minimum)."""
TRAIN_PER_LIST_MAX = 64
TRAIN_ITERATIONS = 4
"""k-means rounds: ranking needs lists, not the best lists (see the gallery search)."""
MAX_SEGMENTS = 8
"""Segments a save leaves at most: more are merged into one (each costs a search)."""


def lists_for(descriptors: int) -> int:
    """Inverted lists for a collection of ``descriptors``: about sqrt(n), so that the lists'
    centres and one list cost a query descriptor about as much each."""
    return max(1, min(MAX_LISTS, int(np.sqrt(descriptors))))


def training_size(lists: int) -> int:
    """Descriptors the lists are trained on (a sample of the collection's)."""
    return lists * TRAIN_PER_LIST_MAX


@dataclass(frozen=True)
class PictureVotes:
    """A picture's votes from a query's points."""

    id: int
    """Its feature set's id."""
    votes: int


class _Segment:
    """One FAISS index and the feature sets it holds."""

    def __init__(self, index: faiss.IndexBinary, sets: set[int], name: str | None) -> None:
        self.index = index
        self.sets = sets
        self.name = name
        """The files it was saved as (None: added or changed since the last save)."""


class DescriptorIndex:
    """Feature sets' descriptors by nearest neighbour; one process owns a directory."""

    def __init__(self, directory: Path, lock: IO[bytes] | None) -> None:
        self.directory = directory
        self._lock = lock
        self.centres: np.ndarray | None = None
        """The inverted lists' centres (None: untrained; an empty array: one flat list)."""
        self.trained_on = 0
        """How many feature sets there were when the lists were trained."""
        self.extractor = ""
        """The feature extractor version the descriptors come from."""
        self._segments: list[_Segment] = []
        self._number = 0
        """The highest segment number used (file names never repeat)."""
        self._manifest: dict[str, Any] = {"files": {}}
        self._centres_name: str | None = None

    @classmethod
    def open(cls, directory: Path) -> DescriptorIndex:
        """Open (or create) the index in ``directory``; :class:`IndexDamaged` when broken."""
        directory.mkdir(parents=True, exist_ok=True)
        lock = open(directory / "descriptors.lock", "wb")  # noqa: SIM115 - held while open
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            raise IndexLocked(
                f"the descriptor index in {directory} is open in another process"
            ) from None
        index = cls(directory, lock)
        try:
            index._load()
        except BaseException:
            index.close()
            raise
        return index

    @classmethod
    def in_memory(cls, training: np.ndarray, lists: int) -> DescriptorIndex:
        """An index that is never saved (benchmarks)."""
        index = cls(Path(), None)
        index.reset(training, 0, "", lists)
        return index

    def close(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def __enter__(self) -> DescriptorIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __contains__(self, id_: int) -> bool:
        return any(id_ in s.sets for s in self._segments)

    @property
    def ids(self) -> set[int]:
        return set().union(*(s.sets for s in self._segments))

    @property
    def descriptors(self) -> int:
        return sum(int(s.index.ntotal) for s in self._segments)

    def reset(
        self, training: np.ndarray, trained_on: int, extractor: str, lists: int = MAX_LISTS
    ) -> None:
        """Train ``lists`` inverted lists (fewer when ``training`` is too small for them:
        :func:`lists_for`) on these descriptors and start over empty (every feature set
        must be added again)."""
        training = np.ascontiguousarray(training, np.uint8).reshape(-1, DESCRIPTOR_BYTES)
        lists = min(lists, MAX_LISTS, len(training) // TRAIN_PER_LIST)
        if lists < 2:  # a handful of pictures: one list, searched whole
            self.centres = np.zeros((0, DESCRIPTOR_BYTES), np.uint8)
        else:
            quantizer = faiss.IndexBinaryFlat(DESCRIPTOR_BYTES * 8)
            ivf = faiss.IndexBinaryIVF(quantizer, DESCRIPTOR_BYTES * 8, lists)
            ivf.cp.niter = TRAIN_ITERATIONS
            ivf.cp.max_points_per_centroid = TRAIN_PER_LIST_MAX
            one_thread(lambda: ivf.train(training))
            self.centres = (
                faiss.vector_to_array(quantizer.xb)  # type: ignore[attr-defined]  # not in the stubs
                .reshape(lists, DESCRIPTOR_BYTES)
                .copy()
            )
        self.trained_on = trained_on
        self.extractor = extractor
        self._segments = []
        self._centres_name = None

    def _empty_index(self) -> faiss.IndexBinary:
        assert self.centres is not None
        if len(self.centres) == 0:
            return faiss.IndexBinaryIDMap(faiss.IndexBinaryFlat(DESCRIPTOR_BYTES * 8))
        quantizer = faiss.IndexBinaryFlat(DESCRIPTOR_BYTES * 8)
        quantizer.add(self.centres)
        index = faiss.IndexBinaryIVF(quantizer, DESCRIPTOR_BYTES * 8, len(self.centres))
        index.is_trained = True
        index.own_fields = True
        quantizer.this.disown()  # type: ignore[attr-defined]  # the IVF frees it
        return index

    def add(self, sets: Iterable[tuple[int, np.ndarray]]) -> int:
        """Add feature sets (id, (n, 32) descriptors) not yet held; returns how many."""
        if self.centres is None:
            raise ValueError("the descriptor index has not been trained")
        held = self.ids
        parts, owners = [], []
        for id_, descriptors in sets:
            if id_ in held or len(descriptors) == 0:
                continue
            if len(descriptors) >= 1 << POINT_BITS:
                raise ValueError(f"at most {1 << POINT_BITS} points a picture")
            held.add(id_)
            parts.append(np.ascontiguousarray(descriptors, np.uint8))
            owners.append(id_)
        if not parts:
            return 0
        fresh = next((s for s in self._segments if s.name is None), None)
        if fresh is None:
            fresh = _Segment(self._empty_index(), set(), None)
            self._segments.append(fresh)
        ids = np.concatenate(
            [
                (id_ << POINT_BITS) + np.arange(len(p), dtype=np.int64)
                for id_, p in zip(owners, parts, strict=True)
            ]
        )
        one_thread(lambda: fresh.index.add_with_ids(np.concatenate(parts), ids))
        fresh.sets.update(owners)
        return len(owners)

    def drop(self, ids: Collection[int]) -> int:
        """Stop finding these feature sets (their media is gone, or described again);
        returns how many were held."""
        gone = 0
        for id_ in {int(i) for i in ids}:
            for segment in self._segments:
                if id_ in segment.sets:
                    selector = faiss.IDSelectorRange(id_ << POINT_BITS, (id_ + 1) << POINT_BITS)
                    segment.index.remove_ids(selector)
                    segment.sets.discard(id_)
                    segment.name = None
                    gone += 1
        return gone

    def rank(
        self,
        descriptors: np.ndarray,
        top: int,
        min_votes: int = 1,
        allowed: np.ndarray | None = None,
        neighbours: int = NEIGHBOURS,
    ) -> list[PictureVotes]:
        """The ``top`` feature sets (of ``allowed``, if given) with most votes from these
        points, at least ``min_votes``. A point votes for the sets holding its nearest
        descriptors (of ``neighbours - 1``) that are within
        :data:`~vidi.index.gallery_index.MAX_DISTANCE` bits and clearly nearer than the
        ``neighbours``-th (:data:`~vidi.index.gallery_index.RATIO`), and each stored
        descriptor counts once (a tiled wallpaper's copies of one patch, all nearest to
        one stored descriptor, are one vote)."""
        queries = np.ascontiguousarray(descriptors, np.uint8).reshape(-1, DESCRIPTOR_BYTES)
        if not self._segments or len(queries) == 0:
            return []
        k = max(2, neighbours)
        found_d, found_i = [], []
        for segment in self._segments:
            if hasattr(segment.index, "nprobe"):
                segment.index.nprobe = PROBES
            index = segment.index
            distances, nearest = one_thread(lambda: index.search(queries, k))  # noqa: B023
            found_d.append(distances)
            found_i.append(nearest)
        distances = np.concatenate(found_d, axis=1).astype(np.int64)
        nearest = np.concatenate(found_i, axis=1)
        distances[nearest < 0] = DESCRIPTOR_BYTES * 8 + 1
        order = np.argsort(distances, axis=1, kind="stable")[:, :k]
        distances = np.take_along_axis(distances, order, axis=1)
        nearest = np.take_along_axis(nearest, order, axis=1)
        background = distances[:, k - 1 : k]
        clear = (nearest[:, : k - 1] >= 0) & (distances[:, : k - 1] <= MAX_DISTANCE)
        clear &= distances[:, : k - 1] < RATIO * background
        first = nearest[:, : k - 1][clear]
        voted = np.unique(first) >> POINT_BITS
        if allowed is not None:
            voted = voted[np.isin(voted, allowed)]
        owners, votes = np.unique(voted, return_counts=True)
        order = np.argsort(-votes, kind="stable")[:top]
        return [PictureVotes(int(owners[i]), int(votes[i])) for i in order if votes[i] >= min_votes]

    def save(self) -> None:
        """Write the segments added or changed since the last save, then the manifest."""
        if self._lock is None:
            raise ValueError("an in-memory descriptor index is never saved")
        if self.centres is None:
            return
        self._segments = [s for s in self._segments if s.sets]
        if len(self._segments) > MAX_SEGMENTS:
            self._segments = [_merged(self._segments)]
        files: dict[str, list[Any]] = {}
        for segment in self._segments:
            if segment.name is None:
                self._number += 1
                segment.name = f"d{self._number}"
                serialised = faiss.serialize_index_binary(segment.index)
                files[f"{segment.name}.faiss.npy"] = _write_array(
                    self.directory / f"{segment.name}.faiss.npy", serialised
                )
                files[f"{segment.name}.sets.npy"] = _write_array(
                    self.directory / f"{segment.name}.sets.npy",
                    np.array(sorted(segment.sets), np.int64),
                )
            else:
                files.update(self._recorded(segment.name))
        centres = self._centres_file()
        files[centres] = self._manifest["files"].get(centres) or _write_array(
            self.directory / centres, self.centres
        )
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "trained_on": self.trained_on,
            "extractor": self.extractor,
            "number": self._number,
            "centres": centres,
            "segments": [s.name for s in self._segments],
            "files": files,
        }
        manifest["manifest_checksum"] = _manifest_checksum(manifest)
        temporary = self.directory / f"{MANIFEST}.tmp"
        with open(temporary, "w") as out:
            out.write(json.dumps(manifest))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.directory / MANIFEST)
        _fsync_dir(self.directory)
        self._manifest = manifest
        for path in self.directory.glob("*.npy"):
            if path.name not in files:
                path.unlink(missing_ok=True)

    def _recorded(self, name: str) -> dict[str, list[Any]]:
        recorded = self._manifest["files"]
        return {f"{name}.{part}.npy": recorded[f"{name}.{part}.npy"] for part in ("faiss", "sets")}

    def _centres_file(self) -> str:
        """The lists' centres' file: a new name after each training (never overwritten)."""
        if self._centres_name is None:
            self._number += 1
            self._centres_name = f"c{self._number}.centres.npy"
        return self._centres_name

    def _load(self) -> None:
        path = self.directory / MANIFEST
        if not path.exists():
            return
        try:
            manifest = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise IndexDamaged(MANIFEST, f"cannot be read ({exc})") from None
        if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
            raise IndexDamaged(MANIFEST, "is not a descriptor index this version reads")
        if manifest.get("manifest_checksum") != _manifest_checksum(manifest):
            raise IndexDamaged(MANIFEST, "failed its checksum")
        files = manifest["files"]
        centres = str(manifest["centres"])
        self.centres = _read_array(self.directory / centres, files[centres], False)
        self.trained_on = int(manifest["trained_on"])
        self.extractor = str(manifest["extractor"])
        self._number = int(manifest["number"])
        for name in manifest["segments"]:
            serialised = _read_array(
                self.directory / f"{name}.faiss.npy", files[f"{name}.faiss.npy"], False
            )
            sets = _read_array(
                self.directory / f"{name}.sets.npy", files[f"{name}.sets.npy"], False
            )
            try:
                index = faiss.deserialize_index_binary(np.ascontiguousarray(serialised))
            except RuntimeError as exc:
                raise IndexDamaged(f"{name}.faiss.npy", f"cannot be read ({exc})") from None
            self._segments.append(_Segment(index, {int(i) for i in sets}, name))
        self._manifest = manifest
        self._centres_name = centres


def _merged(segments: list[_Segment]) -> _Segment:
    """Several segments as one (FAISS moves the lists' entries; nothing is quantised again)."""
    first = segments[0]
    for other in segments[1:]:
        first.index.merge_from(other.index, 0)  # type: ignore[attr-defined]  # not in the stubs
        first.sets |= other.sets
    first.name = None
    return first
