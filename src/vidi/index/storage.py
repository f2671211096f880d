"""How a PDQ index lies in its directory, and how a generation is written safely.

Layout: ``index.json`` names the current generation ``g``; ``g{g}.hashes.npy``,
``g{g}.ids.npy``, ``g{g}.deleted.npy`` hold the rows, ``g{g}.s{i}.directory.npy`` and
``g{g}.s{i}.rows.npy`` the MIH tables, and ``g{g}.log`` the changes made since.
A new generation is written beside the old one and fsynced; only then does an
atomic rename of ``index.json`` switch to it. A crash at any point leaves either the
old or the new generation whole; stray files of the other are removed on open.

Every file of a generation is checked on open: ``index.json`` records each file's size
and SHA-256 (computed while it was written) and a checksum of its own body. A flipped
byte, a truncated or missing file or an unreadable manifest raises
:class:`IndexDamaged`, never a wrong answer: an index that silently lost rows would
report "nothing known" for material it holds. The caller that owns the data the index
was built from rebuilds it (:mod:`vidi.matching.known_index`).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import threading
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vidi.errors import VidiError
from vidi.index.mih import MihSegment

MANIFEST = "index.json"
FORMAT = "vidi-pdq-index"
FORMAT_VERSION = 2
"""2: the manifest records every file's size and SHA-256 (1 had no checksums)."""
CHECKSUM = "sha256"
"""Hardware-accelerated on current CPUs: about 1 GB/s, twice BLAKE2b here."""


class IndexDamaged(VidiError):
    """A file of the saved index is missing, unreadable or not what was written."""

    def __init__(self, file: str, problem: str) -> None:
        super().__init__(f"{file} {problem}")
        self.file = file
        self.problem = problem


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


class _HashingWriter:
    """A file that hashes what passes through, so a checksum costs no second read."""

    def __init__(self, out: io.BufferedWriter) -> None:
        self.out = out
        self.digest = hashlib.new(CHECKSUM)
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.out.write(data)


def write_hashed(path: Path, write: Callable[[_HashingWriter], object]) -> list[Any]:
    """Write a file by ``write(writer)``, hashed as it passes and fsynced; returns its
    [size, checksum] for the manifest."""
    with open(path, "wb") as out:
        writer = _HashingWriter(out)
        write(writer)
        out.flush()
        os.fsync(out.fileno())
    return [writer.size, writer.digest.hexdigest()]


def _write_array(path: Path, array: np.ndarray) -> list[Any]:
    """Write ``array`` as ``.npy``, fsynced; returns its [size, checksum] for the manifest."""
    contiguous = np.ascontiguousarray(array)
    return write_hashed(path, lambda writer: np.save(writer, contiguous, allow_pickle=False))  # type: ignore[arg-type]


def _manifest_checksum(manifest: dict[str, Any]) -> str:
    body = {key: value for key, value in manifest.items() if key != "manifest_checksum"}
    return hashlib.new(CHECKSUM, json.dumps(body, sort_keys=True).encode()).hexdigest()


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
    files = {}
    for name, array in _named_arrays(number, packed, ids, deleted, segments):
        files[name] = _write_array(directory / name, array)
    with open(log_path(directory, number), "wb") as log:
        os.fsync(log.fileno())
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "generation": number,
        "rows": len(packed),
        "segments": [[s.start, s.stop, s.prefix_bits] for s in segments],
        "checksum": CHECKSUM,
        "files": files,
    }
    manifest["manifest_checksum"] = _manifest_checksum(manifest)
    temporary = directory / f"{MANIFEST}.tmp"
    temporary.write_text(json.dumps(manifest))
    with open(temporary, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, directory / MANIFEST)
    _fsync_dir(directory)
    remove_stray_files(directory, number)


def _named_arrays(
    number: int,
    packed: np.ndarray,
    ids: np.ndarray,
    deleted: np.ndarray,
    segments: tuple[MihSegment, ...],
) -> list[tuple[str, np.ndarray]]:
    named = [
        (f"g{number}.hashes.npy", packed),
        (f"g{number}.ids.npy", ids),
        (f"g{number}.deleted.npy", deleted),
    ]
    for i, segment in enumerate(segments):
        table_path, rows_path = _segment_paths(Path(), number, i)
        named.append((table_path.name, np.asarray(segment.directory)))
        named.append((rows_path.name, np.asarray(segment.rows)))
    return named


def remove_stray_files(directory: Path, keep: int) -> None:
    """Delete files of any generation but ``keep`` (left by a crash or a save)."""
    for path in directory.iterdir():
        name = path.name
        if name.startswith("g") and not name.startswith(f"g{keep}.") or name == f"{MANIFEST}.tmp":
            path.unlink()


def read_generation(directory: Path, map_tables: bool = False) -> Generation | None:
    """The current generation, or None when the directory holds no index yet.

    Raises :class:`IndexDamaged` when any file of it is missing, unreadable or not
    what was written. Tables are read into memory by default: random probes into
    anonymous memory (huge pages, no page faults) are faster. ``map_tables`` maps them
    instead, which lets processes share them through the page cache (each file is
    still read once to check it).
    """
    manifest_path = directory / MANIFEST
    if not manifest_path.exists():
        return None
    manifest = _read_manifest(manifest_path)
    try:
        return _load_arrays(directory, manifest, map_tables)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise IndexDamaged(MANIFEST, f"does not describe its files ({exc!r})") from None


def read_generation_read_only(directory: Path, map_tables: bool = False) -> Generation | None:
    """:func:`read_generation` for a reader that does not own the directory.

    It removes nothing: another process's files of a newer generation are not strays.
    """
    manifest_path = directory / MANIFEST
    if not manifest_path.exists():
        return None
    manifest = _read_manifest(manifest_path)
    try:
        return _load_arrays(directory, manifest, map_tables, tidy=False)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise IndexDamaged(MANIFEST, f"does not describe its files ({exc!r})") from None


def _load_arrays(
    directory: Path, manifest: dict[str, Any], map_tables: bool, tidy: bool = True
) -> Generation:
    number, rows, files = int(manifest["generation"]), int(manifest["rows"]), manifest["files"]
    if tidy:
        remove_stray_files(directory, number)
    wanted: list[tuple[str, str | None, tuple[int, ...] | None, bool]] = [
        (f"g{number}.hashes.npy", "u1", (rows, 32), False),
        (f"g{number}.ids.npy", "<i8", (rows,), False),
        (f"g{number}.deleted.npy", "?", (rows,), False),
    ]
    for i in range(len(manifest["segments"])):
        for path in _segment_paths(directory, number, i):
            wanted.append((path.name, None, None, map_tables))
    for name, *_ in wanted:
        if name not in files:
            raise IndexDamaged(MANIFEST, f"does not list {name}")

    def load(name: str, mapped: bool) -> np.ndarray | IndexDamaged:
        try:
            return _read_array(directory / name, files[name], mapped)
        except IndexDamaged as damage:
            return damage

    # Reading and hashing release the GIL: the files are checked side by side.
    with ThreadPoolExecutor(max_workers=min(8, len(wanted))) as pool:
        loaded = list(pool.map(load, [w[0] for w in wanted], [w[3] for w in wanted]))
    arrays = []
    for (name, kind, shape, _), array in zip(wanted, loaded, strict=True):
        if isinstance(array, IndexDamaged):
            raise array
        if (kind and array.dtype != np.dtype(kind)) or (shape and array.shape != shape):
            raise IndexDamaged(name, f"holds {array.dtype} {array.shape}, not {kind} {shape}")
        arrays.append(array)
    hashes, ids, deleted, *tables = arrays
    segments = tuple(
        MihSegment(int(start), int(stop), int(bits), tables[2 * i], tables[2 * i + 1])
        for i, (start, stop, bits) in enumerate(manifest["segments"])
    )
    return Generation(number, hashes, ids, deleted, segments)


def _read_manifest(path: Path) -> dict[str, Any]:
    """``index.json``, checked: valid JSON, this format, its own checksum right."""
    try:
        manifest = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise IndexDamaged(MANIFEST, f"cannot be read ({exc.__class__.__name__})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise IndexDamaged(MANIFEST, "is not a PDQ index manifest")
    if manifest.get("version") != FORMAT_VERSION:
        raise IndexDamaged(
            MANIFEST, f"is format version {manifest.get('version')}, without checksums"
        )
    if manifest.get("manifest_checksum") != _manifest_checksum(manifest):
        raise IndexDamaged(MANIFEST, "failed its checksum")
    return manifest


def _open_sized(path: Path, size: int) -> io.FileIO:
    """``path`` opened for reading, refused when it does not hold the ``size`` bytes
    that were written."""
    handle = open(path, "rb", buffering=0)  # noqa: SIM115  # the caller closes it
    actual = os.fstat(handle.fileno()).st_size
    if actual != size:
        handle.close()
        raise IndexDamaged(path.name, f"has {actual:,} bytes, {size:,} were written")
    return handle


def check_file(path: Path, recorded: list[Any]) -> None:
    """Check a whole file's size and checksum against the manifest's [size, checksum]."""
    size, checksum = int(recorded[0]), recorded[1]
    try:
        with _open_sized(path, size) as handle:
            digest = hashlib.file_digest(handle, CHECKSUM).hexdigest()
    except FileNotFoundError:
        raise IndexDamaged(path.name, "is missing") from None
    except OSError as exc:
        raise IndexDamaged(path.name, f"cannot be read ({exc})") from None
    if digest != checksum:
        raise IndexDamaged(path.name, "failed its checksum")


CHECKED = "checked.json"
"""Beside an index's files: those whose checksum held, and what identified them on disk."""


class CheckedFiles:
    """The files of an index directory whose SHA-256 held, so that a file mapped into
    memory is hashed whole once, not at every open.

    A file is identified by the size and checksum the manifest records and by the
    device, inode and modification time it has on disk: a file replaced, written to or
    copied back has another record, and is checked whole again before it is used. The
    record only saves work: missing or unreadable, every file is checked again. What it
    does not catch is a change that leaves the modification time as it was (a disk's
    own decay); the index's files are derived, so that costs candidates, never a wrong
    verified hit."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._read: dict[str, list[Any]] | None = None
        self._changed = False

    @property
    def _records(self) -> dict[str, list[Any]]:
        """The record, read when first needed (an index kept in memory never needs it)."""
        if self._read is None:
            try:
                read = json.loads((self.directory / CHECKED).read_text())
            except (OSError, ValueError):
                read = {}
            self._read = read if isinstance(read, dict) else {}
        return self._read

    def check(self, path: Path, recorded: list[Any]) -> None:
        """Check ``path`` against the manifest's [size, checksum]: its size always, its
        checksum when it is not the file recorded as checked."""
        record = _on_disk(path, recorded)
        if self._records.get(path.name) != record:
            check_file(path, recorded)
            self._records[path.name] = record
            self._changed = True

    def written(self, path: Path, recorded: list[Any]) -> None:
        """Record a file this process has just written and hashed."""
        self._records[path.name] = _on_disk(path, recorded)
        self._changed = True

    def keep(self, names: Collection[str]) -> None:
        """Forget the files the manifest no longer names."""
        kept = {n: r for n, r in self._records.items() if n in names}
        self._changed |= len(kept) != len(self._records)
        self._read = kept

    def save(self) -> None:
        if self._changed:
            temporary = self.directory / f"{CHECKED}.tmp"
            temporary.write_text(json.dumps(self._records))
            os.replace(temporary, self.directory / CHECKED)
            self._changed = False


def _on_disk(path: Path, recorded: list[Any]) -> list[Any]:
    """The manifest's size and checksum of a file, with its device, inode and
    modification time now; a file of another size is refused here."""
    try:
        status = path.stat()
    except FileNotFoundError:
        raise IndexDamaged(path.name, "is missing") from None
    if status.st_size != int(recorded[0]):
        raise IndexDamaged(path.name, f"has {status.st_size:,} bytes, {recorded[0]:,} were written")
    return [int(recorded[0]), recorded[1], status.st_dev, status.st_ino, status.st_mtime_ns]


def _read_array(
    path: Path, recorded: list[Any], mapped: bool, checked: CheckedFiles | None = None
) -> np.ndarray:
    """Read one ``.npy`` file (whole, or mapped) and check its size and checksum before
    trusting it; a mapped file recorded in ``checked`` is not hashed again."""
    if mapped:
        if checked is None:
            check_file(path, recorded)
        else:
            checked.check(path, recorded)
        try:
            with _HEADER_LOCK:
                return np.asarray(np.load(path, mmap_mode="r"))
        except (OSError, ValueError, EOFError) as exc:
            raise IndexDamaged(path.name, f"cannot be read ({exc})") from None
    size, checksum = int(recorded[0]), recorded[1]
    try:
        with _open_sized(path, size) as handle:
            data = _read_whole(handle, size)
        if hashlib.new(CHECKSUM, data.data).hexdigest() != checksum:
            raise IndexDamaged(path.name, "failed its checksum")
        return _parse_npy(data)
    except FileNotFoundError:
        raise IndexDamaged(path.name, "is missing") from None
    except (OSError, ValueError, EOFError) as exc:
        raise IndexDamaged(path.name, f"cannot be read ({exc})") from None


def _read_whole(handle: io.FileIO, size: int) -> np.ndarray:
    """The file's bytes in a NumPy buffer (large ones get huge pages, as np.load's do)."""
    data = np.empty(size, dtype=np.uint8)
    view = data.data
    done = 0
    while done < size:
        got = handle.readinto(view[done:])
        if not got:
            raise EOFError(f"ended after {done:,} of {size:,} bytes")
        done += got
    return data


# NumPy reads a .npy header with ast.literal_eval, which CPython 3.11 does not make safe
# across threads ("SystemError: AST constructor recursion depth mismatch" when the
# files of a generation are checked side by side): headers are read one at a time.
_HEADER_LOCK = threading.Lock()


def _parse_npy(data: np.ndarray) -> np.ndarray:
    """The array in ``.npy`` bytes, sharing them (no copy; writable, as np.load's is)."""
    header = io.BytesIO(data[: 1 << 16].tobytes())
    with _HEADER_LOCK:
        version = np.lib.format.read_magic(header)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(header)
        else:
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(header)
    count, offset = math.prod(shape), header.tell()
    if fortran or dtype.hasobject or offset + count * dtype.itemsize != len(data):
        raise ValueError("the header does not describe the data")
    if count == 0:
        return np.zeros(shape, dtype=dtype)
    return data[offset:].view(dtype).reshape(shape)
