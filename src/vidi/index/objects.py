"""The object index: an inverted file over visual words, scored by TF-IDF.

Why: "find this object" must ask millions of pictures in well under a second. Each
picture is a bag of visual words (:mod:`vidi.index.vocabulary`); the inverted file
lists, per word, the pictures that hold it and how often. A query's words gather
candidates and a cosine TF-IDF score; the best are then checked geometrically by the
caller (:mod:`vidi.index.geometry`), which the words alone cannot do.

Layout (like the PDQ index, :mod:`vidi.index.storage`): ``objects.json`` names the
generation and records each file's size and SHA-256; ``o{g}.centres.npy`` (the
vocabulary), ``o{g}.ids.npy``, ``o{g}.norms.npy``, ``o{g}.starts.npy`` (per word, where
its postings begin), ``o{g}.rows.npy`` and ``o{g}.counts.npy`` (the postings). A save
writes a whole new generation and then switches the manifest atomically. Rows added
since the last save live in memory only: the features table in the database is the
log, and :func:`vidi.objects.stage.sync_index` adds back whatever a crash lost.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from vidi.index.pdq_index import IndexLocked
from vidi.index.storage import (
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
        self._pending: list[tuple[int, np.ndarray, np.ndarray]] = []
        self._known: set[int] = set()

    @classmethod
    def open(cls, directory: Path) -> ObjectIndex:
        """Open (or create) the index in ``directory``; :class:`IndexDamaged` when broken."""
        directory.mkdir(parents=True, exist_ok=True)
        lock = open(directory / "objects.lock", "wb")  # noqa: SIM115 - held while open
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            raise IndexLocked(
                f"the object index in {directory} is open in another process"
            ) from None
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
        return len(self._ids) + len(self._pending)

    def __contains__(self, id_: int) -> bool:
        return id_ in self._known

    @property
    def ids(self) -> set[int]:
        return set(self._known)

    def reset(self, vocabulary: Vocabulary, trained_on: int) -> None:
        """Start over with a new vocabulary (every feature set must be added again)."""
        self.vocabulary = vocabulary
        self.trained_on = trained_on
        self._ids = np.zeros(0, np.int64)
        self._norms = np.zeros(0, np.float32)
        self._starts = np.zeros(len(vocabulary) + 1, np.int64)
        self._rows = np.zeros(0, np.int32)
        self._counts = np.zeros(0, np.uint16)
        self._df = np.zeros(len(vocabulary), np.int64)
        self._pending = []
        self._known = set()

    def add(self, id_: int, words: np.ndarray) -> None:
        """Index feature set ``id_`` by its words (a picture's descriptors, quantised)."""
        if id_ in self._known:
            return
        unique, counts = np.unique(words, return_counts=True)
        self._pending.append((id_, unique.astype(np.int32), counts.astype(np.uint16)))
        self._df[unique] += 1
        self._known.add(id_)

    def _idf(self) -> np.ndarray:
        return np.log((len(self) + 1) / (self._df + 1)).astype(np.float32)

    def search(
        self, words: np.ndarray, top: int = 50, allowed: np.ndarray | None = None
    ) -> list[Candidate]:
        """The ``top`` feature sets by TF-IDF cosine with these words (ids in ``allowed`` only)."""
        if self.vocabulary is None or len(self) == 0 or len(words) == 0:
            return []
        idf = self._idf()
        unique, counts = np.unique(words, return_counts=True)
        query = np.zeros(len(idf), np.float32)
        query[unique] = counts * idf[unique]
        scores = np.zeros(len(self), np.float64)
        if len(self._ids):
            scores[: len(self._ids)] = self._base_scores(unique, query, idf)
        for offset, (_, pending_words, pending_counts) in enumerate(self._pending):
            weights = pending_counts * idf[pending_words]
            norm = float(np.sqrt((weights**2).sum())) or 1.0
            scores[len(self._ids) + offset] = float((query[pending_words] * weights).sum()) / norm
        ids = np.concatenate([self._ids, np.array([p[0] for p in self._pending], np.int64)])
        if allowed is not None:
            scores[~np.isin(ids, allowed)] = 0
        scores /= float(np.sqrt((query**2).sum())) or 1.0
        best = np.argsort(-scores, kind="stable")[:top]
        return [Candidate(int(ids[i]), float(scores[i])) for i in best if scores[i] > 0]

    def _base_scores(self, unique: np.ndarray, query: np.ndarray, idf: np.ndarray) -> np.ndarray:
        slices = [np.arange(self._starts[w], self._starts[w + 1]) for w in unique]
        at = np.concatenate(slices) if slices else np.zeros(0, np.int64)
        words = np.repeat(unique, [len(s) for s in slices])
        weights = query[words] * self._counts[at] * idf[words]
        return np.bincount(self._rows[at], weights, minlength=len(self._ids)) / self._norms

    def save(self) -> None:
        """Fold the rows added since the last save in and write a new generation."""
        if self._lock is None:
            raise ValueError("an in-memory object index is never saved")
        self._merge()
        self._generation += 1
        number = self._generation
        assert self.vocabulary is not None
        arrays: dict[str, np.ndarray] = {
            "centres": self.vocabulary.centres,
            "ids": self._ids,
            "norms": self._norms,
            "starts": self._starts,
            "rows": self._rows,
            "counts": self._counts,
            "trained": np.array([self.trained_on], np.int64),
        }
        files = {}
        for name, array in arrays.items():
            files[f"o{number}.{name}.npy"] = _write_array(
                self.directory / f"o{number}.{name}.npy", array
            )
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "generation": number,
            "rows": len(self._ids),
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
        self._remove_other_generations(number)

    def _merge(self) -> None:
        """Rebuild the postings (sorted by word) with the pending rows and current IDF."""
        if self.vocabulary is None:
            raise ValueError("the object index has no vocabulary yet")
        words_per_row = np.diff(self._starts)
        base_words = np.repeat(np.arange(len(self.vocabulary), dtype=np.int32), words_per_row)
        first = len(self._ids)
        all_words = [base_words] + [p[1] for p in self._pending]
        all_rows = [self._rows] + [
            np.full(len(p[1]), first + i, np.int32) for i, p in enumerate(self._pending)
        ]
        all_counts = [self._counts] + [p[2] for p in self._pending]
        words = np.concatenate(all_words)
        rows = np.concatenate(all_rows)
        counts = np.concatenate(all_counts)
        order = np.lexsort((rows, words))
        words, rows, counts = words[order], rows[order], counts[order]
        self._ids = np.concatenate([self._ids, np.array([p[0] for p in self._pending], np.int64)])
        self._starts = np.searchsorted(words, np.arange(len(self.vocabulary) + 1)).astype(np.int64)
        self._rows, self._counts = rows, counts
        self._pending = []
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
                    False,
                )
                for name in _FILES
            }
        except (KeyError, TypeError, ValueError) as exc:
            raise IndexDamaged(MANIFEST, f"does not describe its files ({exc!r})") from None
        self._generation = number
        self.reset(Vocabulary(loaded["centres"]), int(loaded["trained"][0]))
        self._ids = loaded["ids"]
        self._norms = loaded["norms"]
        self._starts = loaded["starts"]
        self._rows = loaded["rows"]
        self._counts = loaded["counts"]
        if len(self._starts) != len(self.vocabulary) + 1 or len(self._norms) != len(self._ids):  # type: ignore[arg-type]
            raise IndexDamaged(MANIFEST, "describes arrays of different lengths")
        self._df = np.diff(self._starts)
        self._known = set(self._ids.tolist())
        self._remove_other_generations(number)
