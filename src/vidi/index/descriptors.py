"""Every stored descriptor of every picture, searched by nearest neighbour, point by point.

Why: the object index ranks pictures by shared visual words, and an object pasted into
another room is a few per cent of its new picture's words: its original ranked among a
region query's first 10 candidates for 2 of 60 boxes at 3,120 generated pictures. Asked
point by point instead, each of the box's points voting for the picture that holds its
clearly nearest descriptor (Lowe's ratio test), the original ranked among the first 10
for 56 of 60 (docs/performance.md, "A lead for objects pasted into new rooms"). The
region query asks both and verifies both rankings' first candidates.

What it holds: each picture's descriptors (32 bytes a point) in FAISS binary inverted
files whose lists are the object index's visual words (:mod:`vidi.index.vocabulary`):
a descriptor is listed under its word, and a query descriptor is compared with the
descriptors listed under its :data:`PROBES` nearest words. The words are assigned
anyway (the tree costs ~2 ms a picture), so adding costs no quantiser of its own (one
of about sqrt(n) lists trained for it took 25 ms a picture at 10,000 pictures), and a
new vocabulary means adding everything again (as for the object index). A descriptor's
id is its feature set's id × 4,096 + its point number, so a vote counts once per
stored descriptor. In memory ~40 bytes a point: 80 KB for a picture of 2,000 points,
0.8 GB for 10,000 pictures, 8 GB for 100,000; past that it is sharded as the object
index is (docs/objects.md, "Scaling past one machine").

Layout (checked like the other indexes, :mod:`vidi.index.storage`): ``descriptors.json``
names the vocabulary the lists are (a digest of its centres) and the segments, each a
FAISS index in FAISS's own file format, ``d{n}.faiss``, with the feature-set ids it holds
in ``d{n}.sets.npy``, and records each file's size and SHA-256; a file is never written
twice. A save writes the segments added or changed since the last save and then
switches the manifest atomically; past :data:`MAX_SEGMENTS` the smallest are merged
into one. The features table is the truth: :func:`vidi.objects.features.sync_descriptors`
adds back whatever a crash lost.

Opening: a segment is memory-mapped (FAISS's ``IO_FLAG_MMAP``), so a query reads only
the lists it probes, and a new process opens 0.8 GB in milliseconds instead of reading
it whole (1.6-2.0 s at 10,120 pictures; docs/performance.md, "Object search, round 9").
Its SHA-256 is checked once, not at every open: ``checked.json`` remembers the files
whose checksum held, with their device, inode, size and modification time, and a file
whose record differs (replaced, written to, copied back) is checked again whole before
it is used. Every open checks each file's size and that its lists add up to what it
says it holds, so a file cut short or with broken list sizes is refused, not mapped.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import faiss
import numpy as np

from vidi.fingerprints.local_features import DESCRIPTOR_BYTES
from vidi.index.gallery_index import MAX_DISTANCE, RATIO
from vidi.index.locks import hold
from vidi.index.openmp import one_thread, shared_pool
from vidi.index.storage import (
    CheckedFiles,
    IndexDamaged,
    _fsync_dir,
    _manifest_checksum,
    _read_array,
    _write_array,
    write_hashed,
)
from vidi.index.vocabulary import Vocabulary

MANIFEST = "descriptors.json"
FORMAT = "vidi-descriptor-index"
FORMAT_VERSION = 2
"""2: segments in FAISS's own file format, memory-mapped (1: serialised into ``.npy``)."""
POINT_BITS = 12
"""A descriptor's id is its feature set's id shifted by this many bits, plus its point
number (pictures keep at most 2,000 points)."""
PROBES = 3
"""Words whose lists a query descriptor is compared in: its nearest. A point of a small
or recompressed copy often falls in a neighbouring word of its original's: 3 lists put
57 of 60 originals of pasted boxes among the first 20 by votes instead of 52; 4 lists
doubled the vote search's time at 100,000 pictures (~0.2 s a query instead of ~0.11 s)
and ranked no more (docs/performance.md, "Object search, rounds 9 and 10")."""
NEIGHBOURS = 4
"""Nearest descriptors a query point looks at: it votes for each of the first
``NEIGHBOURS - 1`` that is clearly nearer than the last (Lowe's ratio test against the
background). With 2 (the classic test) a picture kept twice, as a copy resized or
recompressed, would get no vote at all: its two nearly equal descriptors fail the test."""
MAX_SEGMENTS = 8
"""Segments a save leaves at most (each costs a search): past it the smallest are merged,
so the largest is not written again at every few saves."""
_ENTRY_BYTES = DESCRIPTOR_BYTES + 8
"""A stored descriptor in a segment's lists: its code and its id."""


def vocabulary_key(vocabulary: Vocabulary) -> str:
    """A digest naming a vocabulary: the lists of an index built on another are not its."""
    digest = hashlib.sha256(vocabulary.centres.tobytes())
    digest.update(vocabulary.coarse.tobytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class PictureVotes:
    """A picture's votes from a query's points."""

    id: int
    """Its feature set's id."""
    votes: int


class _Segment:
    """One FAISS index and the feature sets it holds."""

    def __init__(
        self, index: faiss.IndexBinaryIVF, sets: set[int], name: str | None, shared: bool = False
    ) -> None:
        self.index = index
        self.sets = sets
        self.name = name
        """The files it was saved as (None: added or changed since the last save)."""
        self.shared = shared
        """Whether ``index`` is the process's copy of a saved segment (:data:`_LOADED`),
        which is copied before it is changed."""

    def own(self) -> faiss.IndexBinaryIVF:
        """The index, copied into memory first when it is the process's shared copy (a
        saved segment is memory-mapped read-only; it is copied to be changed)."""
        if self.shared:
            copy = _empty_index(int(self.index.nlist))
            _copy_lists(self.index, copy)
            self.index = copy
            self.shared = False
        return self.index


_LOADED: dict[tuple[str, str, str], tuple[faiss.IndexBinaryIVF, frozenset[int]]] = {}
"""Saved segments this process has opened, by (directory, file, SHA-256): a file is never
written twice, so a later query opens only the segments saved since."""
_LOADED_LOCK = threading.Lock()


class DescriptorIndex:
    """Feature sets' descriptors by nearest neighbour; one process owns a directory."""

    def __init__(self, directory: Path, lock: IO[bytes] | None) -> None:
        self.directory = directory
        self._lock = lock
        self.vocabulary: Vocabulary | None = None
        """The vocabulary whose words are the lists (set by :meth:`use`)."""
        self.key = ""
        """The digest of the vocabulary the saved lists are (:func:`vocabulary_key`)."""
        self.extractor = ""
        """The feature extractor version the descriptors come from."""
        self._segments: list[_Segment] = []
        self._number = 0
        """The highest segment number used (file names never repeat)."""
        self._manifest: dict[str, Any] = {"files": {}}
        self._checked = CheckedFiles(directory)
        self.synced_with: str | None = None
        """The features table's stamp when the index last held exactly its pictures'
        feature sets (:func:`~vidi.objects.features.descriptors_in_step`; None after any
        change), recorded in the manifest."""

    @classmethod
    def open(cls, directory: Path) -> DescriptorIndex:
        """Open (or create) the index in ``directory``; :class:`IndexDamaged` when broken."""
        lock = hold(directory, "descriptors.lock", "the descriptor index")
        index = cls(directory, lock)
        try:
            index._load()
        except BaseException:
            index.close()
            raise
        return index

    @classmethod
    def in_memory(cls, vocabulary: Vocabulary) -> DescriptorIndex:
        """An index that is never saved (benchmarks)."""
        index = cls(Path(), None)
        index.use(vocabulary, "")
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
    def unsaved(self) -> bool:
        """Whether the files differ from what is in memory (segments, or the stamp alone)."""
        return (
            self.synced_with != self._manifest.get("synced_with")
            or self.key != self._manifest.get("vocabulary")
            or [s.name for s in self._segments] != self._manifest.get("segments")
        )

    @property
    def descriptors(self) -> int:
        return sum(int(s.index.ntotal) for s in self._segments)

    def use(self, vocabulary: Vocabulary, extractor: str) -> bool:
        """List descriptors under this vocabulary's words from now on; when the saved
        lists are another vocabulary's (or the descriptors another extractor's), start
        over empty and return True (every feature set must be added again)."""
        self.vocabulary = vocabulary
        key = vocabulary_key(vocabulary)
        if key == self.key and extractor == self.extractor:
            return False
        self.key, self.extractor = key, extractor
        self._segments = []
        self.synced_with = None
        return True

    def add(self, sets: Iterable[tuple[int, np.ndarray]]) -> int:
        """Add feature sets (id, (n, 32) descriptors) not yet held; returns how many."""
        vocabulary = self.vocabulary
        if vocabulary is None:
            raise ValueError("the descriptor index has no vocabulary yet (see use)")
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
        self.synced_with = None
        fresh = next((s for s in self._segments if s.name is None), None)
        if fresh is None:
            fresh = _Segment(_empty_index(len(vocabulary)), set(), None)
            self._segments.append(fresh)
        codes = np.concatenate(parts)
        ids = np.concatenate(
            [
                (id_ << POINT_BITS) + np.arange(len(p), dtype=np.int64)
                for id_, p in zip(owners, parts, strict=True)
            ]
        )
        words = vocabulary.words(codes).astype(np.int64)
        fresh.index.add_core(  # type: ignore[attr-defined]  # not in FAISS's stubs
            len(codes), faiss.swig_ptr(codes), faiss.swig_ptr(ids), faiss.swig_ptr(words)
        )
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
                    segment.own().remove_ids(selector)
                    segment.sets.discard(id_)
                    segment.name = None
                    self.synced_with = None
                    gone += 1
        return gone

    def rank(
        self,
        descriptors: np.ndarray,
        top: int,
        min_votes: int = 1,
        allowed: np.ndarray | None = None,
        neighbours: int | None = None,
        threads: int = 1,
    ) -> list[PictureVotes]:
        """The ``top`` feature sets (of ``allowed``, if given) with most votes from these
        points, at least ``min_votes``. A point votes for the sets holding its nearest
        descriptors (of ``neighbours - 1``, :data:`NEIGHBOURS` unless given) that are
        within :data:`~vidi.index.gallery_index.MAX_DISTANCE` bits and clearly nearer
        than the ``neighbours``-th (:data:`~vidi.index.gallery_index.RATIO`), and each
        stored descriptor counts once (a tiled wallpaper's copies of one patch, all
        nearest to one stored descriptor, are one vote). The points are shared out over
        ``threads`` threads (FAISS on one thread in each): at 100,000 pictures a box's
        1,400 points read ~0.4 s of lists (docs/performance.md, "Object search, round
        11")."""
        queries = np.ascontiguousarray(descriptors, np.uint8).reshape(-1, DESCRIPTOR_BYTES)
        if not self._segments or len(queries) == 0 or self.vocabulary is None:
            return []
        k = max(2, neighbours or NEIGHBOURS)
        probes = min(PROBES, len(self.vocabulary))
        words = self.vocabulary.words(queries, probes).reshape(len(queries), probes)
        assigned = words.astype(np.int64)
        parts = [p for p in np.array_split(np.arange(len(queries)), max(1, threads)) if len(p)]
        found_d, found_i = [], []
        for segment in self._segments:
            index = segment.index
            index.nprobe = probes

            def search(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
                return one_thread(
                    lambda: index.search_preassigned(queries[rows], k, assigned[rows], None)  # noqa: B023
                )

            answers = (
                list(shared_pool(len(parts)).map(search, parts))
                if len(parts) > 1
                else [search(parts[0])]
            )
            found_d.append(np.concatenate([d for d, _ in answers]))
            found_i.append(np.concatenate([i for _, i in answers]))
        distances = np.concatenate(found_d, axis=1).astype(np.int64)
        nearest = np.concatenate(found_i, axis=1)
        distances[nearest < 0] = DESCRIPTOR_BYTES * 8 + 1
        order = np.argsort(distances, axis=1, kind="stable")[:, :k]
        distances = np.take_along_axis(distances, order, axis=1)
        nearest = np.take_along_axis(nearest, order, axis=1)
        background = distances[:, k - 1 : k]
        clear = (nearest[:, : k - 1] >= 0) & (distances[:, : k - 1] <= MAX_DISTANCE)
        clear &= distances[:, : k - 1] < RATIO * background
        voted = np.unique(nearest[:, : k - 1][clear]) >> POINT_BITS
        if allowed is not None:
            voted = voted[np.isin(voted, allowed)]
        owners, votes = np.unique(voted, return_counts=True)
        order = np.argsort(-votes, kind="stable")[:top]
        return [PictureVotes(int(owners[i]), int(votes[i])) for i in order if votes[i] >= min_votes]

    def save(self) -> None:
        """Write the segments added or changed since the last save, then the manifest."""
        if self._lock is None:
            raise ValueError("an in-memory descriptor index is never saved")
        if not self.key:
            return
        self._segments = _fewer([s for s in self._segments if s.sets])
        files: dict[str, list[Any]] = {}
        for segment in self._segments:
            if segment.name is None:
                self._number += 1
                segment.name = f"d{self._number}"
                files[f"{segment.name}.faiss"] = self._write_segment(segment)
                files[f"{segment.name}.sets.npy"] = _write_array(
                    self.directory / f"{segment.name}.sets.npy",
                    np.array(sorted(segment.sets), np.int64),
                )
                key = (str(self.directory.resolve()), f"{segment.name}.faiss")
                with _LOADED_LOCK:  # this process need not open it again
                    _LOADED[(*key, files[key[1]][1])] = (segment.index, frozenset(segment.sets))
                segment.shared = True
            else:
                for name in (f"{segment.name}.faiss", f"{segment.name}.sets.npy"):
                    files[name] = self._manifest["files"][name]
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "vocabulary": self.key,
            "extractor": self.extractor,
            "number": self._number,
            "segments": [s.name for s in self._segments],
            "files": files,
            "synced_with": self.synced_with,
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
        for path in [*self.directory.glob("*.npy"), *self.directory.glob("*.faiss")]:
            if path.name not in files:
                path.unlink(missing_ok=True)
        self._checked.keep(files)
        self._checked.save()

    def _write_segment(self, segment: _Segment) -> list[Any]:
        """Write a segment's FAISS file, hashed as it is written and fsynced; returns its
        [size, checksum] and records it as checked."""
        path = self.directory / f"{segment.name}.faiss"
        recorded = write_hashed(
            path,
            lambda writer: faiss.write_index_binary(
                segment.index,
                faiss.PyCallbackIOWriter(writer.write),  # type: ignore[attr-defined]
            ),
        )
        self._checked.written(path, recorded)
        return recorded

    def _read_segment(
        self, name: str, files: dict[str, list[Any]]
    ) -> tuple[faiss.IndexBinaryIVF, frozenset[int]]:
        """One saved segment, checked and memory-mapped; its feature sets read whole."""
        file = f"{name}.faiss"
        path = self.directory / file
        self._checked.check(path, files[file])  # hashed whole if not already
        try:
            read = faiss.read_index_binary(str(path), faiss.IO_FLAG_MMAP)
        except RuntimeError as exc:
            raise IndexDamaged(file, f"cannot be read ({exc})") from None
        index = faiss.downcast_IndexBinary(read)
        if not isinstance(index, faiss.IndexBinaryIVF):
            raise IndexDamaged(file, "is not an inverted file")
        read.this.disown()  # type: ignore[attr-defined]  # the downcast object frees it
        index.this.acquire()  # type: ignore[attr-defined]
        total = int(index.ntotal)
        listed = int(index.invlists.compute_ntotal())  # type: ignore[attr-defined]
        if listed != total or total * _ENTRY_BYTES > int(files[file][0]):
            raise IndexDamaged(file, "has lists that do not add up to what it holds")
        sets = _read_array(self.directory / f"{name}.sets.npy", files[f"{name}.sets.npy"], False)
        return index, frozenset(int(i) for i in sets)

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
        self.key = str(manifest["vocabulary"])
        self.extractor = str(manifest["extractor"])
        self._number = int(manifest["number"])
        directory = str(self.directory.resolve())
        wanted = {(directory, f"{n}.faiss", files[f"{n}.faiss"][1]) for n in manifest["segments"]}
        with _LOADED_LOCK:
            for key in [k for k in _LOADED if k[0] == directory and k not in wanted]:
                del _LOADED[key]  # merged or dropped since
        for name in manifest["segments"]:
            key = (directory, f"{name}.faiss", files[f"{name}.faiss"][1])
            with _LOADED_LOCK:
                loaded = _LOADED.get(key)
            if loaded is None:
                loaded = self._read_segment(name, files)
                with _LOADED_LOCK:
                    _LOADED[key] = loaded
            self._segments.append(_Segment(loaded[0], set(loaded[1]), name, shared=True))
        self._manifest = manifest
        stamp = manifest.get("synced_with")
        self.synced_with = stamp if isinstance(stamp, str) else None
        self._checked.save()


def _empty_index(lists: int) -> faiss.IndexBinaryIVF:
    """An inverted file of ``lists`` lists (one a word), filled with words assigned
    beforehand: its quantiser is never asked."""
    quantizer = faiss.IndexBinaryFlat(DESCRIPTOR_BYTES * 8)
    index = faiss.IndexBinaryIVF(quantizer, DESCRIPTOR_BYTES * 8, lists)
    index.is_trained = True  # its lists' words are assigned by the vocabulary
    index.own_fields = True
    quantizer.this.disown()  # type: ignore[attr-defined]  # the inverted file frees it
    return index


def _copy_lists(source: faiss.IndexBinaryIVF, target: faiss.IndexBinaryIVF) -> None:
    """Append every entry of ``source``'s lists to ``target``'s (the source, perhaps
    memory-mapped read-only, is left as it is)."""
    whole = faiss.InvertedLists.SUBSET_TYPE_ID_RANGE  # type: ignore[attr-defined]
    source.invlists.copy_subset_to(target.invlists, whole, 0, 1 << 62)  # type: ignore[attr-defined]
    target.ntotal = int(target.ntotal) + int(source.ntotal)


def _fewer(segments: list[_Segment]) -> list[_Segment]:
    """At most :data:`MAX_SEGMENTS`: the smallest merged into one (FAISS copies the
    lists' entries; nothing is quantised again), the large ones left as saved."""
    if len(segments) <= MAX_SEGMENTS:
        return segments
    by_size = sorted(segments, key=lambda s: int(s.index.ntotal))
    merging = by_size[: len(segments) - MAX_SEGMENTS + 1]
    into = next((s for s in merging if not s.shared), None) or merging[0]
    into.own()
    for other in merging:
        if other is not into:
            _copy_lists(other.index, into.index)
            into.sets |= other.sets
    into.name = None
    return [s for s in segments if s is into or s not in merging]
