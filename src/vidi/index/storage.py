"""How a PDQ index lies in its directory, and how a generation is written safely.

Layout: ``index.json`` names the current generation ``g``; ``g{g}.hashes.npy``,
``g{g}.ids.npy``, ``g{g}.deleted.npy`` hold the rows, ``g{g}.s{i}.directory.npy`` and
``g{g}.s{i}.rows.npy`` the MIH tables, and ``g{g}.log`` the changes made since.
A new generation is written beside the old one and fsynced; only then does an
atomic rename of ``index.json`` switch to it. A crash at any point leaves either the
old or the new generation whole; stray files of the other are removed on open.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from vidi.index.mih import MihSegment

MANIFEST = "index.json"
FORMAT = "vidi-pdq-index"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Generation:
    """One saved state of an index, as read back from its directory."""

    number: int
    hashes: np.ndarray
    ids: np.ndarray
    deleted: np.ndarray
    segments: tuple[MihSegment, ...]


def log_path(directory: Path, generation: int) -> Path:
    return directory / f"g{generation}.log"


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_array(path: Path, array: np.ndarray) -> None:
    with open(path, "wb") as out:
        np.save(out, array, allow_pickle=False)
        out.flush()
        os.fsync(out.fileno())


def _segment_paths(directory: Path, generation: int, i: int) -> tuple[Path, Path]:
    stem = f"g{generation}.s{i}"
    return directory / f"{stem}.directory.npy", directory / f"{stem}.rows.npy"


def write_generation(
    directory: Path,
    number: int,
    packed: np.ndarray,
    ids: np.ndarray,
    deleted: np.ndarray,
    segments: tuple[MihSegment, ...],
) -> None:
    """Write generation ``number`` whole, then switch ``index.json`` to it."""
    _write_array(directory / f"g{number}.hashes.npy", packed)
    _write_array(directory / f"g{number}.ids.npy", ids)
    _write_array(directory / f"g{number}.deleted.npy", deleted)
    for i, segment in enumerate(segments):
        table_path, rows_path = _segment_paths(directory, number, i)
        _write_array(table_path, np.asarray(segment.directory))
        _write_array(rows_path, np.asarray(segment.rows))
    with open(log_path(directory, number), "wb") as log:
        os.fsync(log.fileno())
    manifest = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "generation": number,
        "rows": len(packed),
        "segments": [[s.start, s.stop, s.prefix_bits] for s in segments],
    }
    temporary = directory / f"{MANIFEST}.tmp"
    temporary.write_text(json.dumps(manifest))
    with open(temporary, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, directory / MANIFEST)
    _fsync_dir(directory)
    remove_stray_files(directory, number)


def remove_stray_files(directory: Path, keep: int) -> None:
    """Delete files of any generation but ``keep`` (left by a crash or a save)."""
    for path in directory.iterdir():
        name = path.name
        if name.startswith("g") and not name.startswith(f"g{keep}.") or name == f"{MANIFEST}.tmp":
            path.unlink()


def read_generation(directory: Path, map_tables: bool = False) -> Generation | None:
    """The current generation, or None when the directory holds no index yet.

    Tables are read into memory by default: random probes into anonymous memory
    (huge pages, no page faults) are faster. ``map_tables`` maps them instead, which
    opens at once and lets processes share them through the page cache.
    """
    manifest_path = directory / MANIFEST
    if not manifest_path.exists():
        return None
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
        raise ValueError(f"{manifest_path} is not a version-{FORMAT_VERSION} PDQ index")
    number = int(manifest["generation"])
    remove_stray_files(directory, number)
    hashes = np.load(directory / f"g{number}.hashes.npy")
    segments = []
    for i, (start, stop, bits) in enumerate(manifest["segments"]):
        table_path, rows_path = _segment_paths(directory, number, i)
        mode: Literal["r"] | None = "r" if map_tables else None
        table = np.asarray(np.load(table_path, mmap_mode=mode))
        rows = np.asarray(np.load(rows_path, mmap_mode=mode))
        segments.append(MihSegment(int(start), int(stop), int(bits), table, rows))
    return Generation(
        number=number,
        hashes=hashes,
        ids=np.load(directory / f"g{number}.ids.npy"),
        deleted=np.load(directory / f"g{number}.deleted.npy"),
        segments=tuple(segments),
    )
