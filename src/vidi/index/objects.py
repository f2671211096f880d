"""The object index: an inverted file over visual words, scored by TF-IDF.

Why: "find this object" must ask millions of pictures in well under a second. Each
picture is a bag of visual words (:mod:`vidi.index.vocabulary`); the inverted file
lists, per word, the pictures that hold it and how often. A query's words gather
candidates and a cosine TF-IDF score; the best are then checked geometrically by the
caller (:mod:`vidi.index.geometry`), which the words alone cannot do.

Layout (like the PDQ index, :mod:`vidi.index.storage`): ``objects.json`` names the
generation and records each file's size and SHA-256; ``o{g}.centres.npy`` and
``o{g}.coarse.npy`` (the vocabulary's words and, for a tree, its coarse centres),
``o{g}.ids.npy``, ``o{g}.norms.npy``, ``o{g}.starts.npy`` (per word, where
its postings begin), ``o{g}.rows.npy`` and ``o{g}.counts.npy`` (the postings). A save
writes a whole new generation and then switches the manifest atomically. Rows added
since the last save live in memory only (sorted by word every :data:`TAIL` rows, so a
search reads only its words' postings there too): the features table in the database
is the log, and :func:`vidi.objects.features.sync_index` adds back whatever a crash lost.
The manifest also records :attr:`ObjectIndex.synced_with`, the features table's stamp
when the saved index held exactly its feature sets, so that a query need not read every
id to know the index is current (:func:`vidi.objects.features.index_in_step`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from vidi.index.locks import hold
from vidi.index.storage import (
    CheckedFiles,
    IndexDamaged,
    _fsync_dir,
    _manifest_checksum,
    _read_array,
    _write_array,
)
from vidi.index.vocabulary import Vocabulary

MANIFEST = "objects.json"
FORMAT = "vidi-object-index"
FORMAT_VERSION = 1
_FILES = ("centres", "ids", "norms", "starts", "rows", "counts", "trained")
_OPTIONAL = ("coarse",)
"""Files an index saved before the vocabulary tree lacks (its vocabulary is then flat)."""
_MAPPED = ("norms", "starts", "rows", "counts")
"""Files memory-mapped on open, hashed whole only when not yet recorded as checked
(:class:`~vidi.index.storage.CheckedFiles`): the postings, of which a search reads only
its words'. The rest is read whole: the vocabulary, and the ids, which are all needed."""
TAIL = 32
"""Rows added one by one before they are sorted by word into the in-memory postings: a
search reads the newest rows whole (cheap for a few dozen), the rest by word only."""
RENORM_GROWTH = 1.1
"""The unsaved rows' norms are computed again when the index has grown this much since
(the IDF changes with its size; the saved rows' norms are computed again at each save)."""


@dataclass(frozen=True)
class Candidate:
    """A picture that shares visual words with the query, and its TF-IDF cosine score."""

    id: int
    score: float


class ObjectIndex:
    """Feature-set ids by visual words; one process owns a directory at a time."""

    def __init__(self, directory: Path, lock: IO[bytes] | None) -> None:
        self.directory = directory
        self._lock = lock
        self._generation = 0
        self.vocabulary: Vocabulary | None = None
        self.trained_on = 0
        """How many feature sets the index held when its vocabulary was trained."""
        self._ids = np.zeros(0, np.int64)
        self._norms = np.zeros(0, np.float32)
        self._starts = np.zeros(1, np.int64)
        self._rows = np.zeros(0, np.int32)
        self._counts = np.zeros(0, np.uint16)
        self._df = np.zeros(0, np.int64)
        self._delta = _Postings.empty(0)
        """Rows added since the last save, sorted by word like the saved postings."""
        self._tail: list[tuple[int, np.ndarray, np.ndarray]] = []
        """The newest rows (fewer than :data:`TAIL`), not yet sorted into ``_delta``."""
        self._known: set[int] = set()
        self._dead_saved = np.zeros(0, np.int64)
        """Positions in the saved rows of feature sets dropped since (see :meth:`drop`)."""
        self._dead_delta = np.zeros(0, np.int64)
        """Positions in ``_delta`` of feature sets dropped since the last save."""
        self._checked = CheckedFiles(directory)
        self.synced_with: str | None = None
        """The features table's stamp when the index last held exactly its feature sets
        (set by :func:`~vidi.objects.features.index_in_step`; None after any change)."""
        self._saved_synced_with: str | None = None
        self._changed = False
        """Rows added or dropped, or a new vocabulary, since the last save."""

    @classmethod
    def open(cls, directory: Path) -> ObjectIndex:
        """Open (or create) the index in ``directory``; :class:`IndexDamaged` when broken."""
        lock = hold(directory, "objects.lock", "the object index")
        index = cls(directory, lock)
        try:
            index._load()
        except BaseException:
            index.close()
            raise
        return index

    @classmethod
    def in_memory(cls, vocabulary: Vocabulary) -> ObjectIndex:
        """An index that is never saved (benchmarks, one-off galleries)."""
        index = cls(Path(), None)
        index.reset(vocabulary, 0)
        return index

    def close(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def __enter__(self) -> ObjectIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        return len(self._ids) + len(self._delta.ids) + len(self._tail)

    def __contains__(self, id_: int) -> bool:
        return id_ in self._known

    @property
    def ids(self) -> set[int]:
        return set(self._known)

    @property
    def unsaved(self) -> bool:
        """Whether the files differ from what is in memory (rows, or the stamp alone)."""
        return self._changed or self.synced_with != self._saved_synced_with

    def _changing(self) -> None:
        self._changed = True
        self.synced_with = None

    def reset(self, vocabulary: Vocabulary, trained_on: int) -> None:
        """Start over with a new vocabulary (every feature set must be added again)."""
        self._changing()
        self.vocabulary = vocabulary
        self.trained_on = trained_on
        self._ids = np.zeros(0, np.int64)
        self._norms = np.zeros(0, np.float32)
        self._starts = np.zeros(len(vocabulary) + 1, np.int64)
        self._rows = np.zeros(0, np.int32)
        self._counts = np.zeros(0, np.uint16)
        self._df = np.zeros(len(vocabulary), np.int64)
        self._delta = _Postings.empty(len(vocabulary))
        self._tail = []
        self._known = set()
        self._dead_saved = np.zeros(0, np.int64)
        self._dead_delta = np.zeros(0, np.int64)

    def drop(self, ids: Collection[int]) -> int:
        """Stop finding these feature sets (their gallery was replaced, their media is
        gone); returns how many were indexed. Their rows leave the files at the next
        save; until then a search skips them. An id may be added again afterwards with
        other words."""
        gone = {int(i) for i in ids} & self._known
        if not gone:
            return 0
        self._changing()
        wanted = np.fromiter(gone, np.int64, len(gone))
        for row in self._tail:
            if row[0] in gone:
                self._df[row[1]] -= 1
        self._tail = [row for row in self._tail if row[0] not in gone]
        self._dead_saved = np.union1d(
            self._dead_saved, np.flatnonzero(np.isin(self._ids, wanted))
        ).astype(np.int64)
        self._dead_delta = np.union1d(
            self._dead_delta, np.flatnonzero(np.isin(self._delta.ids, wanted))
        ).astype(np.int64)
        self._known -= gone
        return len(gone)

    def add(self, id_: int, words: np.ndarray) -> None:
        """Index feature set ``id_`` by its words (a picture's descriptors, quantised)."""
        self._append(id_, words)
        if len(self._tail) >= TAIL:
            self._fold_tail()

    def add_many(self, sets: Iterable[tuple[int, np.ndarray]]) -> None:
        """Index many feature sets (id, words), sorted into the postings once at the end.
        Why: :meth:`add` sorts its newest rows in every :data:`TAIL` rows, and each such
        sort is of every row added since the last save; 100,000 added one by one (a
        vocabulary trained again, a catch-up after a killed stage) did not finish in
        20 minutes (docs/performance.md, "Object search, round 11")."""
        for id_, words in sets:
            self._append(id_, words)
        self._fold_tail()

    def _append(self, id_: int, words: np.ndarray) -> None:
        if id_ in self._known:
            return
        self._changing()
        unique, counts = np.unique(words, return_counts=True)
        self._tail.append((id_, unique.astype(np.int32), counts.astype(np.uint16)))
        self._df[unique] += 1
        self._known.add(id_)

    def _fold_tail(self) -> None:
        """Sort the newest rows into the in-memory postings (a merge of two sorted runs)."""
        if self._tail:
            self._delta = self._delta.joined(self._tail, self._idf(), len(self))
            self._tail = []

    def _idf(self) -> np.ndarray:
        return np.log((len(self) + 1) / (self._df + 1)).astype(np.float32)

    def search(
        self,
        words: np.ndarray,
        top: int = 50,
        allowed: np.ndarray | None = None,
        scoring: str = "cosine",
    ) -> list[Candidate]:
        """The ``top`` feature sets by TF-IDF cosine with these words (ids in ``allowed`` only).

        ``words`` may be 2-D (each descriptor's few nearest words, -1 for none): they are
        then asked as one bag, so a descriptor quantised to a neighbouring word of its
        match's still meets it.

        Only the postings of the query's own words are read, in the saved postings and in
        the rows added since (sorted by word every :data:`TAIL` rows); the newest rows are
        scored directly.

        ``scoring="overlap"`` (the region query's): the sum over shared words of the
        smaller of the two counts x IDF², over the query's own such sum, with no division
        by the row's norm. A small object's words then count fully in a picture where
        they are a few of 2,000; cosine divides them by the whole picture's norm and
        ranked the picture of an object pasted into another room far lower
        (docs/performance.md, "Object search, round 3: recall")."""
        if scoring not in ("cosine", "overlap"):
            raise ValueError(f"scoring is cosine or overlap, not {scoring!r}")
        words = np.asarray(words).ravel()  # a query's several nearest words: one bag
        words = words[words >= 0]
        if self.vocabulary is None or len(self) == 0 or len(words) == 0:
            return []
        idf = self._idf()
        if len(self) > RENORM_GROWTH * self._delta.normed_at:
            self._delta = self._delta.renormed(idf, len(self))
        unique, counts = np.unique(words, return_counts=True)
        query = counts * idf[unique]
        cap = counts if scoring == "overlap" else None
        # A row's score: sum over shared words of query weight x row weight (count x idf);
        # overlap: idf² x the smaller count.
        factor = idf[unique] ** 2 if cap is not None else query * idf[unique]
        tail_ids, tail_scores = self._tail_scores(unique, factor, idf, cap)
        base = _postings_scores(
            self._starts, self._rows, self._counts, unique, factor, len(self._ids), cap
        )
        delta = self._delta.scores(unique, factor, cap)
        if cap is None:
            base = base / self._norms
        base[self._dead_saved] = 0  # dropped since the last save
        delta[self._dead_delta] = 0
        segments = [(self._ids, base), (self._delta.ids, delta), (tail_ids, tail_scores)]
        if cap is not None:
            scale = float((counts * factor).sum()) or 1.0
        else:
            scale = float(np.sqrt((query**2).sum())) or 1.0
        found: list[tuple[float, int, int]] = []
        offset = 0
        for ids, scores in segments:
            if allowed is not None and len(ids):
                scores = np.where(np.isin(ids, allowed), scores, 0)
            best = _top(scores, top)
            found += [(-float(scores[i]) / scale, offset + int(i), int(ids[i])) for i in best]
            offset += len(ids)
        found.sort()
        return [Candidate(id_, -negative) for negative, _, id_ in found[:top] if negative < 0]

    def _tail_scores(
        self, unique: np.ndarray, factor: np.ndarray, idf: np.ndarray, cap: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Scores of the newest rows, read whole (there are fewer than :data:`TAIL`)."""
        if not self._tail:
            return np.zeros(0, np.int64), np.zeros(0, np.float64)
        ids = np.array([t[0] for t in self._tail], np.int64)
        words = np.concatenate([t[1] for t in self._tail])
        counts = np.concatenate([t[2] for t in self._tail]).astype(np.float64)
        rows = np.repeat(np.arange(len(self._tail)), [len(t[1]) for t in self._tail])
        weights = counts * idf[words]
        norms = np.sqrt(np.bincount(rows, weights**2, minlength=len(ids)))
        dense = np.zeros(len(idf), np.float64)
        dense[unique] = factor
        if cap is not None:
            limit = np.zeros(len(idf), np.float64)
            limit[unique] = cap
            return ids, np.bincount(
                rows, dense[words] * np.minimum(counts, limit[words]), minlength=len(ids)
            )
        scores = np.bincount(rows, dense[words] * counts, minlength=len(ids))
        return ids, scores / np.where(norms > 0, norms, 1.0)

    def save(self) -> None:
        """Fold the rows added since the last save in and write a new generation; when
        only :attr:`synced_with` changed, write the manifest alone (the same files)."""
        if self._lock is None:
            raise ValueError("an in-memory object index is never saved")
        if not self._changed and self._generation:
            self._write_manifest(json.loads((self.directory / MANIFEST).read_bytes()))
            return
        self._merge()
        self._generation += 1
        number = self._generation
        assert self.vocabulary is not None
        arrays: dict[str, np.ndarray] = {
            "centres": self.vocabulary.centres,
            "coarse": self.vocabulary.coarse,
            "ids": self._ids,
            "norms": self._norms,
            "starts": self._starts,
            "rows": self._rows,
            "counts": self._counts,
            "trained": np.array([self.trained_on], np.int64),
        }
        files = {}
        for name, array in arrays.items():
            path = self.directory / f"o{number}.{name}.npy"
            files[path.name] = _write_array(path, array)
            self._checked.written(path, files[path.name])
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "generation": number,
            "rows": len(self._ids),
            "files": files,
        }
        self._write_manifest(manifest)
        self._changed = False
        self._remove_other_generations(number)
        self._checked.keep(files)
        self._checked.save()

    def _write_manifest(self, manifest: dict[str, Any]) -> None:
        """Switch to ``manifest`` (with the current stamp) atomically."""
        manifest["synced_with"] = self.synced_with
        manifest["manifest_checksum"] = _manifest_checksum(manifest)
        temporary = self.directory / f"{MANIFEST}.tmp"
        with open(temporary, "w") as out:
            out.write(json.dumps(manifest))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.directory / MANIFEST)
        _fsync_dir(self.directory)
        self._saved_synced_with = self.synced_with

    def _merge(self) -> None:
        """Rebuild the saved postings (sorted by word) with the rows added since and the
        current IDF."""
        if self.vocabulary is None:
            raise ValueError("the object index has no vocabulary yet")
        self._fold_tail()
        first = len(self._ids)
        base_words = np.repeat(
            np.arange(len(self.vocabulary), dtype=np.int32), np.diff(self._starts)
        )
        delta_words = np.repeat(
            np.arange(len(self.vocabulary), dtype=np.int32), np.diff(self._delta.starts)
        )
        words = np.concatenate([base_words, delta_words])
        rows = np.concatenate([self._rows, self._delta.rows + first]).astype(np.int32)
        counts = np.concatenate([self._counts, self._delta.counts])
        ids = np.concatenate([self._ids, self._delta.ids])
        dead = np.concatenate([self._dead_saved, self._dead_delta + first])
        if len(dead):  # dropped rows leave; the others are numbered again in order
            alive = np.ones(len(ids), bool)
            alive[dead] = False
            kept = alive[rows]
            renumbered = np.cumsum(alive) - 1
            words, rows, counts = words[kept], renumbered[rows[kept]].astype(np.int32), counts[kept]
            ids = ids[alive]
            self._dead_saved = self._dead_delta = np.zeros(0, np.int64)
        # Two runs each sorted by word (rows ascending within a word): a stable sort
        # keeps the saved rows first, so rows stay ascending within every word.
        order = np.argsort(words, kind="stable")
        words, rows, counts = words[order], rows[order], counts[order]
        self._ids = ids
        self._starts = np.searchsorted(words, np.arange(len(self.vocabulary) + 1)).astype(np.int64)
        self._rows, self._counts = rows, counts
        self._df = np.diff(self._starts)
        self._delta = _Postings.empty(len(self.vocabulary))
        weights = counts * self._idf()[words]
        norms = np.sqrt(np.bincount(rows, weights**2, minlength=len(self._ids)))
        self._norms = np.where(norms > 0, norms, 1.0).astype(np.float32)

    def _remove_other_generations(self, keep: int) -> None:
        for path in self.directory.iterdir():
            stray = path.name.startswith("o") and path.name.endswith(".npy")
            if stray and not path.name.startswith(f"o{keep}."):
                path.unlink()

    def _load(self) -> None:
        path = self.directory / MANIFEST
        if not path.exists():
            return
        try:
            manifest = json.loads(path.read_bytes())
        except (OSError, ValueError) as exc:
            raise IndexDamaged(MANIFEST, f"cannot be read ({exc.__class__.__name__})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise IndexDamaged(MANIFEST, "is not an object index manifest")
        if manifest.get("manifest_checksum") != _manifest_checksum(manifest):
            raise IndexDamaged(MANIFEST, "failed its checksum")
        try:
            number = int(manifest["generation"])
            loaded = {
                name: _read_array(
                    self.directory / f"o{number}.{name}.npy",
                    manifest["files"][f"o{number}.{name}.npy"],
                    name in _MAPPED,
                    self._checked,
                )
                for name in _FILES + _OPTIONAL
                if name in _FILES or f"o{number}.{name}.npy" in manifest["files"]
            }
        except (KeyError, TypeError, ValueError) as exc:
            raise IndexDamaged(MANIFEST, f"does not describe its files ({exc!r})") from None
        try:
            vocabulary = Vocabulary(loaded["centres"], loaded.get("coarse"))
        except ValueError as exc:
            raise IndexDamaged(MANIFEST, f"holds a broken vocabulary ({exc})") from None
        self._generation = number
        self.reset(vocabulary, int(loaded["trained"][0]))
        self._ids = loaded["ids"]
        self._norms = loaded["norms"]
        self._starts = loaded["starts"]
        self._rows = loaded["rows"]
        self._counts = loaded["counts"]
        if (
            len(self._starts) != len(self.vocabulary) + 1  # type: ignore[arg-type]
            or len(self._norms) != len(self._ids)
            or not int(self._starts[-1]) == len(self._rows) == len(self._counts)
        ):
            raise IndexDamaged(MANIFEST, "describes arrays of different lengths")
        self._df = np.diff(self._starts)
        self._known = set(self._ids.tolist())
        stamp = manifest.get("synced_with")
        self.synced_with = self._saved_synced_with = stamp if isinstance(stamp, str) else None
        self._changed = False
        self._remove_other_generations(number)
        self._checked.save()


@dataclass(frozen=True)
class _Postings:
    """Rows by word in CSR form (``starts`` per word into ``rows``/``counts``), with each
    row's feature-set id and TF-IDF norm."""

    ids: np.ndarray
    norms: np.ndarray
    starts: np.ndarray
    rows: np.ndarray
    counts: np.ndarray
    normed_at: int = 0
    """The index's size when the norms were computed (the IDF changes as it grows)."""

    @classmethod
    def empty(cls, words: int) -> _Postings:
        return cls(
            np.zeros(0, np.int64),
            np.zeros(0, np.float64),
            np.zeros(words + 1, np.int64),
            np.zeros(0, np.int32),
            np.zeros(0, np.uint16),
        )

    def _words(self) -> np.ndarray:
        return np.repeat(np.arange(len(self.starts) - 1, dtype=np.int32), np.diff(self.starts))

    def renormed(self, idf: np.ndarray, size: int) -> _Postings:
        """The same postings with norms from the current IDF (``size``: the index's size)."""
        weights = self.counts * idf[self._words()]
        norms = np.sqrt(np.bincount(self.rows, weights**2, minlength=len(self.ids)))
        norms = np.where(norms > 0, norms, 1.0)
        return _Postings(self.ids, norms, self.starts, self.rows, self.counts, size)

    def joined(
        self, rows: list[tuple[int, np.ndarray, np.ndarray]], idf: np.ndarray, size: int
    ) -> _Postings:
        """These postings and ``rows`` (id, unique words, counts), sorted by word again."""
        first = len(self.ids)
        words = np.concatenate([self._words()] + [r[1] for r in rows])
        row_of = np.concatenate(
            [self.rows] + [np.full(len(r[1]), first + i, np.int32) for i, r in enumerate(rows)]
        )
        counts = np.concatenate([self.counts] + [r[2] for r in rows])
        order = np.argsort(words, kind="stable")  # rows stay ascending within a word
        words, row_of, counts = words[order], row_of[order], counts[order]
        ids = np.concatenate([self.ids, np.array([r[0] for r in rows], np.int64)])
        starts = np.searchsorted(words, np.arange(len(self.starts))).astype(np.int64)
        return _Postings(ids, np.ones(len(ids)), starts, row_of, counts).renormed(idf, size)

    def scores(
        self, unique: np.ndarray, factor: np.ndarray, cap: np.ndarray | None = None
    ) -> np.ndarray:
        raw = _postings_scores(
            self.starts, self.rows, self.counts, unique, factor, len(self.ids), cap
        )
        return raw if cap is not None else raw / self.norms


LONG_POSTINGS = 1024
"""A word's postings at least this long are added to the scores in place, one word at a
time; shorter ones are gathered into one array for all such words and summed at once.
One word in place costs ~4 µs of Python besides ~6 ns a posting, the gather ~10 ns a
posting: at 100,000 pictures a query's words are mostly long lists, and the word search
went from 230-262 to 97-113 ms a box (both sides); in a small index every list is short and
one gather costs well under a millisecond (docs/performance.md, "Object search, round
13")."""


def _postings_scores(
    starts: np.ndarray,
    rows: np.ndarray,
    counts: np.ndarray,
    unique: np.ndarray,
    factor: np.ndarray,
    size: int,
    cap: np.ndarray | None = None,
) -> np.ndarray:
    """Per row: the sum over the query's words of ``factor`` x the row's count of the word
    (at most ``cap``, the query's count, when given), reading only those words' postings
    (a word's long list in place, the short ones gathered: :data:`LONG_POSTINGS`)."""
    if size == 0:
        return np.zeros(0, np.float64)
    begins = starts[unique]
    lengths = starts[unique + 1] - begins
    short = lengths < LONG_POSTINGS
    scores = _gathered_scores(
        begins[short],
        lengths[short],
        rows,
        counts,
        factor[short],
        size,
        None if cap is None else cap[short],
    )
    long = np.flatnonzero(~short)
    caps = cap[long].tolist() if cap is not None else None
    # A word's postings name each row once (a row's counts are summed per word when it
    # is added), so an indexed addition adds each posting.
    for word, (begin, length, weight) in enumerate(
        zip(begins[long].tolist(), lengths[long].tolist(), factor[long].tolist(), strict=True)
    ):
        found = rows[begin : begin + length]
        if caps is not None and caps[word] <= 1:  # min(count, 1): every posting counts once
            scores[found] += weight
            continue
        times = counts[begin : begin + length]
        if caps is not None:
            times = np.minimum(times, caps[word])
        scores[found] += weight * times
    return scores


def _gathered_scores(
    begins: np.ndarray,
    lengths: np.ndarray,
    rows: np.ndarray,
    counts: np.ndarray,
    factor: np.ndarray,
    size: int,
    cap: np.ndarray | None,
) -> np.ndarray:
    """:func:`_postings_scores` for these words' postings gathered into one array."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(size, np.float64)
    # Positions of every posting of the words, without a loop over the words.
    at = np.arange(total) + np.repeat(begins - (np.cumsum(lengths) - lengths), lengths)
    found = counts[at]
    if cap is not None:
        found = np.minimum(found, np.repeat(cap, lengths))
    weights = np.repeat(factor, lengths) * found
    return np.bincount(rows[at], weights, minlength=size)


def _top(scores: np.ndarray, top: int) -> np.ndarray:
    """Positions of the ``top`` highest scores (any order)."""
    if len(scores) <= top:
        return np.arange(len(scores))
    return np.argpartition(-scores, top - 1)[:top]
