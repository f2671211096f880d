"""Byte streams for reading entries: bounded, read-only and without touching atimes.

Declared sizes in archive headers can lie, so every stream handed out for an archive
member counts the bytes that really come out and stops with :class:`EntryReadError`
once it passes its limit. Decoder errors (bad CRC, truncated data) become the same
error, so a caller handles one exception type for "this entry cannot be read".
"""

from __future__ import annotations

import errno
import io
import lzma
import os
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, cast

from vidi.errors import SourceError

CHUNK_BYTES = 1024 * 1024
"""Bytes moved per read when copying; memory stays flat whatever the entry size."""

_DECODE_ERRORS = (
    EOFError,
    zlib.error,
    lzma.LZMAError,
    zipfile.BadZipFile,
    OSError,
    ValueError,
    RuntimeError,
)


class EntryReadError(SourceError):
    """An entry could not be read to its end; ``reason`` is a :class:`Refused` reason word."""

    reason: str

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}", reason=reason, detail=detail)


_noatime_refused = 0


def open_noatime(path: Path | str) -> BinaryIO:
    """Open evidence read-only, asking the kernel not to update its access time.

    Every read of a source file goes through here, so a seized item's access times stay
    as they were received. O_NOATIME is allowed only to the file's owner (or a process
    with CAP_FOWNER, such as root); where the kernel refuses it the file is opened
    normally and the refusal is counted (:func:`noatime_refusals`), so the run can say
    that access times may have changed.
    """
    global _noatime_refused
    flags = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
    noatime = getattr(os, "O_NOATIME", 0)
    try:
        fd = os.open(path, flags | noatime)
    except PermissionError as error:
        if not noatime or error.errno != errno.EPERM:
            raise
        fd = os.open(path, flags)
        _noatime_refused += 1
    return cast(BinaryIO, os.fdopen(fd, "rb"))


def noatime_refusals() -> int:
    """How many opens in this process had to fall back to a plain (atime-updating) open."""
    return _noatime_refused


def read_evidence(path: Path | str) -> bytes:
    """All bytes of a file, read without touching its access time."""
    with open_noatime(path) as stream:
        return stream.read()


def copy_evidence(path: Path | str, target: Path) -> int:
    """Copy a file to ``target`` (new, mode 0600) without touching the original's atime.

    Decoders run as child processes (ffmpeg, PyAV) open the path they are given afresh,
    and a fresh open updates the access time; so they are given this private copy.
    """
    with open_noatime(path) as stream:
        return copy_to_file(stream, target)


class LimitedReader(io.RawIOBase):
    """A read-only stream that fails once more than ``limit`` bytes have come out of it."""

    def __init__(self, inner: BinaryIO, limit: int, reason: str, what: str) -> None:
        self._inner = inner
        # read1 returns what one decoder step made, so data before an error is not lost
        self._read = getattr(inner, "read1", inner.read)
        self._limit = limit
        self._reason = reason
        self._what = what
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        try:
            data = self._read(len(buffer))
        except EntryReadError:
            raise
        except _DECODE_ERRORS as error:
            raise EntryReadError("corrupt-archive", f"{self._what}: {error}") from error
        self.count += len(data)
        if self.count > self._limit:
            raise EntryReadError(
                self._reason, f"{self._what} expands past {self._limit} bytes; reading stopped"
            )
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            super().close()


class FileSlice(io.RawIOBase):
    """A seekable read-only view of ``length`` bytes at ``offset`` in a file on disk.

    Members of an uncompressed tar are read this way, in place, without copying.
    """

    def __init__(self, path: Path, offset: int, length: int) -> None:
        self._file = open_noatime(path)
        self._offset = offset
        self._length = length
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._length}[whence]
        self._pos = max(0, base + pos)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        want = min(len(buffer), self._length - self._pos)
        if want <= 0:
            return 0
        self._file.seek(self._offset + self._pos)
        data = self._file.read(want)
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def close(self) -> None:
        self._file.close()
        super().close()


def read_head(opener: Callable[[], BinaryIO], size: int) -> bytes:
    """The first ``size`` bytes (fewer if the stream is shorter) of a fresh stream."""
    with opener() as stream:
        parts: list[bytes] = []
        got = 0
        while got < size:
            data = stream.read(size - got)
            if not data:
                break
            parts.append(data)
            got += len(data)
        return b"".join(parts)


def copy_to_file(source: BinaryIO, target: Path) -> int:
    """Stream ``source`` into a new file ``target`` (mode 0600); return the bytes copied."""
    copied = 0
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        while True:
            data = source.read(CHUNK_BYTES)
            if not data:
                return copied
            out.write(data)
            copied += len(data)
