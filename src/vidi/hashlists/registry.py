"""Every hash-list format Vidi reads or writes, one line each.

A format is told from content (``detect`` sees the first :data:`HEAD_BYTES` of the file),
read as a stream of :class:`KnownEntry` within :class:`Limits`, and, where Vidi can
export it, written from :class:`ExportItem` values. ``reader.py``, the import and the
export look formats up here; adding one is a module and a line (docs/extending.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TextIO

from vidi.hashlists.csvlist import looks_like_csv, read_csv_list, write_csv
from vidi.hashlists.entry import ExportItem, KnownEntry
from vidi.hashlists.limits import Limits
from vidi.hashlists.nsrl import looks_like_nsrl, read_nsrl
from vidi.hashlists.vics import looks_like_vics, read_vics, write_vics


class ListWriter(Protocol):
    """Writes items as a hash list to ``out``; returns how many."""

    def __call__(
        self,
        entries: Iterable[ExportItem | KnownEntry],
        out: TextIO,
        *,
        case_name: str | None = None,
        case_id: str | None = None,
    ) -> int: ...


@dataclass(frozen=True)
class HashListFormat:
    """One hash-list format: its name, how to tell it, read it and (maybe) write it."""

    name: str
    detect: Callable[[bytes], bool]
    read: Callable[[Path, Limits], Iterator[KnownEntry]]
    write: ListWriter | None
    header_lines: int | None
    """Lines before the first entry when entries are one a line (the progress total);
    None when they are not (JSON)."""


HASH_LIST_FORMATS: tuple[HashListFormat, ...] = (
    HashListFormat("vics", looks_like_vics, read_vics, write_vics, header_lines=None),
    HashListFormat("csv", looks_like_csv, read_csv_list, write_csv, header_lines=1),
    HashListFormat("nsrl", looks_like_nsrl, read_nsrl, None, header_lines=0),
)

FORMATS: tuple[str, ...] = tuple(f.name for f in HASH_LIST_FORMATS)
"""Names of the formats Vidi reads."""

EXPORT_FORMATS: tuple[str, ...] = tuple(f.name for f in HASH_LIST_FORMATS if f.write)
"""Names of the formats Vidi writes."""


def hash_list_format(name: str) -> HashListFormat | None:
    """The format called ``name``; None when there is none."""
    return next((f for f in HASH_LIST_FORMATS if f.name == name), None)
