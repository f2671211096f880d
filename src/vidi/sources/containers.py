"""Every archive and compressed-stream format, one line each: how it is told, who reads it.

:func:`vidi.sources.sniff.sniff` tells a container from its ``signatures`` (bytes at
offset 0) or, where no fixed prefix does, its ``detect`` check; enumeration opens it
with ``read`` (members as entries or refusals, within the archive limits). A format
whose ``read`` is None is recorded as a file and not opened. A gzip, bzip2 or xz stream
holding a tar is sniffed as ``tar.gz``, ``tar.bz2`` or ``tar.xz``. Adding a format is a
reader module and a line here (docs/extending.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Literal

from vidi.sources.archives import ArchiveContext, Region, read_tar, read_zip
from vidi.sources.base import Entry, Refused
from vidi.sources.compressed import read_compressed
from vidi.sources.filetype import is_bzip2_header, is_tar_header
from vidi.sources.sevenzip import read_7z

Reader = Callable[[Region, ArchiveContext], Iterator[Entry | Refused]]


@dataclass(frozen=True)
class ContainerFormat:
    """One container format: its sniffed name, how it is told, and its reader (if any)."""

    name: str
    kind: Literal["archive", "compressed"]
    signatures: tuple[bytes, ...]
    read: Reader | None
    detect: Callable[[bytes], bool] | None = None


CONTAINER_FORMATS: tuple[ContainerFormat, ...] = (
    ContainerFormat("zip", "archive", (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"), read_zip),
    ContainerFormat("7z", "archive", (b"7z\xbc\xaf\x27\x1c",), read_7z),
    ContainerFormat("rar", "archive", (b"Rar!\x1a\x07",), None),
    ContainerFormat("xz", "compressed", (b"\xfd7zXZ\x00",), partial(read_compressed, "xz")),
    ContainerFormat("gzip", "compressed", (b"\x1f\x8b",), partial(read_compressed, "gzip")),
    ContainerFormat("zstd", "compressed", (b"(\xb5/\xfd",), None),
    ContainerFormat("bzip2", "compressed", (), partial(read_compressed, "bzip2"), is_bzip2_header),
    ContainerFormat("tar", "archive", (), read_tar, is_tar_header),
    ContainerFormat("tar.gz", "archive", (), partial(read_compressed, "tar.gz")),
    ContainerFormat("tar.bz2", "archive", (), partial(read_compressed, "tar.bz2")),
    ContainerFormat("tar.xz", "archive", (), partial(read_compressed, "tar.xz")),
)


def container_reader(name: str) -> Reader | None:
    """The reader of the container format called ``name``; None when Vidi does not open it."""
    return next((c.read for c in CONTAINER_FORMATS if c.name == name), None)
