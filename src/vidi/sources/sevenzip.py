"""List the members of a 7z archive (py7zr), spilling them to the scratch folder.

7z packs many files into one compressed block ("solid"), so a member cannot be read
without decompressing everything before it. Members are therefore decompressed once,
in a single pass, each streamed to its own file in the scratch folder (memory stays
flat), and read from there afterwards.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

import py7zr
from py7zr.exceptions import ArchiveError, PasswordRequired
from py7zr.helpers import get_sanitized_output_path
from py7zr.io import Py7zIO, WriterFactory

from vidi.sources.archives import ArchiveContext, Region, RegionOpener
from vidi.sources.base import Entry, Refused
from vidi.sources.names import encode_name

_7Z_ERRORS = (ArchiveError, OSError, ValueError, EOFError, KeyError, IndexError, TypeError)
_MEMORY_ERRORS = (MemoryError, RecursionError)


@dataclass
class _Wanted:
    raw: str
    path: str
    size: int
    spill: Path
    written: int = 0
    done: bool = False


class _SpillWriter(Py7zIO):
    """Receives one member's bytes from py7zr and appends them to its spill file."""

    def __init__(self, wanted: _Wanted | None) -> None:
        self._wanted = wanted
        self._file = open(wanted.spill, "wb") if wanted else None  # noqa: SIM115

    def write(self, s: bytes | bytearray) -> int:
        if self._wanted is None or self._file is None:
            return len(s)
        room = self._wanted.size - self._wanted.written
        self._file.write(s[:room])
        self._wanted.written += min(len(s), room)
        return len(s)

    def read(self, size: int | None = None) -> bytes:
        return b""

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def size(self) -> int:
        return self._wanted.written if self._wanted else 0

    def close(self) -> None:
        if self._file is not None and not self._file.closed:
            self._file.close()
            if self._wanted is not None:
                self._wanted.done = True


class _SpillFactory(WriterFactory):
    def __init__(self, wanted: dict[str, _Wanted]) -> None:
        self._wanted = wanted

    def create(self, filename: str) -> Py7zIO:
        return _SpillWriter(self._wanted.get(filename))


def read_7z(region: Region, ctx: ArchiveContext) -> Iterator[Entry | Refused]:
    """The members of a 7z archive; encrypted archives are refused, never guessed at."""
    try:
        archive = py7zr.SevenZipFile(cast(BinaryIO, region.open()), mode="r")
    except PasswordRequired:
        yield ctx.refuse_self("encrypted", "the archive's listing is password-protected")
        return
    except (*_7Z_ERRORS, *_MEMORY_ERRORS) as error:
        yield ctx.refuse_self("corrupt-archive", f"not a readable 7z ({error})")
        return
    with archive:
        if archive.needs_password():
            yield ctx.refuse_self("encrypted", "the archive's contents are password-protected")
            return
        yield from _members(archive, region, ctx)


def _members(
    archive: py7zr.SevenZipFile, region: Region, ctx: ArchiveContext
) -> Iterator[Entry | Refused]:
    total = sum(f.uncompressed for f in archive.files)
    limits = ctx.limits
    if total > limits.ratio_floor_bytes and total > limits.max_ratio * max(region.length, 1):
        ratio = total / max(region.length, 1)
        yield ctx.refuse_self("zip-bomb", f"declares {total} bytes, {ratio:.0f}x its size")
        return
    wanted: dict[str, _Wanted] = {}
    order: list[Entry | Refused | _Wanted] = []
    for member in archive.files:
        if member.is_directory:
            continue
        order.append(_admit(member, ctx, wanted))
        if ctx.stopped:
            break
    failure = _extract(archive, wanted, ctx)
    for item in order:
        yield _finish(item, ctx, failure) if isinstance(item, _Wanted) else item


def _admit(member: object, ctx: ArchiveContext, wanted: dict[str, _Wanted]) -> Refused | _Wanted:
    raw: str = getattr(member, "filename", "")
    shown = encode_name(raw)
    if getattr(member, "is_symlink", False) or getattr(member, "is_junction", False):
        return ctx.refuse(shown, "symlink", "symbolic link or junction inside the archive")
    if getattr(member, "is_socket", False):
        return ctx.refuse(shown, "special-file", "socket inside the archive")
    size = int(getattr(member, "uncompressed", 0) or 0)
    admitted = ctx.admit(raw, size)
    if isinstance(admitted, Refused):
        return admitted
    item = _Wanted(raw, admitted, size, ctx.scratch.new_path())
    try:
        key = get_sanitized_output_path(raw, None).as_posix()
    except _7Z_ERRORS:
        return ctx.refuse(admitted, "bad-name", "py7zr cannot address this member by name")
    if key in wanted:
        return ctx.refuse(admitted, "duplicate-name", "two members share one name")
    wanted[key] = item
    return item


def _extract(
    archive: py7zr.SevenZipFile, wanted: dict[str, _Wanted], ctx: ArchiveContext
) -> str | None:
    """Decompress the wanted members into their spill files; the error text if it failed."""
    targets = {item.raw for item in wanted.values() if item.size > 0}
    if not targets:
        return None
    # Members skipped inside a solid block are decompressed too, and count here.
    archive.max_extract_size = ctx.budget.limit
    try:
        archive.extract(targets=targets, factory=_SpillFactory(wanted))
    except (*_7Z_ERRORS, *_MEMORY_ERRORS) as error:
        return f"{type(error).__name__}: {error}"
    return None


def _finish(item: _Wanted, ctx: ArchiveContext, failure: str | None) -> Entry | Refused:
    if item.size == 0:
        return Entry(item.path, ctx.chain, 0, opener=_empty)
    if not item.done or item.written != item.size:
        detail = f"only {item.written} of {item.size} bytes decompressed ({failure or 'short'})"
        item.spill.unlink(missing_ok=True)
        return ctx.refuse(item.path, "corrupt-archive", detail)
    opener = RegionOpener(Region(item.spill, 0, item.size))
    return Entry(item.path, ctx.chain, item.size, opener=opener)


def _empty() -> BinaryIO:
    return io.BytesIO(b"")
