"""CSV hash lists: a header naming the hash columns, one known item per row.

The ``csv`` module reads one record at a time, so a list of ten million rows costs
the memory of one row; a record longer than ``Limits.line_chars`` is refused before it
is read whole. Columns Vidi does not map are kept, as text, in ``extra``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from vidi.errors import HashListError
from vidi.hashlists.entry import (
    HASH_KINDS,
    ExportItem,
    KnownEntry,
    as_export_item,
    make_entry,
    shown,
)
from vidi.hashlists.head import first_content_line
from vidi.hashlists.limits import LIMITS, BoundedLines, Limits
from vidi.hashlists.nsrl import looks_like_nsrl

_COLUMN_ALIASES: dict[str, str] = {
    "md5": "md5",
    "sha1": "sha1",
    "sha256": "sha256",
    "pdq": "pdq",
    "category": "category",
    "note": "note",
    "notes": "note",
    "comment": "note",
    "comments": "note",
}
_DELIMITERS = (",", ";", "\t", "|")
CSV_COLUMNS = ("md5", "sha1", "sha256", "pdq", "category", "note", "size", "file_names")
FILE_NAME_SEPARATOR = "|"


def column_role(header: str) -> str | None:
    """The field a CSV column maps to ('md5', 'note', ...) or None for an extra column."""
    name = header.strip().lower().replace("-", "").replace("_", "").replace(" ", "")
    return _COLUMN_ALIASES.get(name)


def looks_like_csv(head: bytes) -> bool:
    """True when the first line is a header naming a hash column (NSRL's own header aside)."""
    first = first_content_line(head)
    if first is None or looks_like_nsrl(head):
        return False
    cells = first.split(guess_delimiter(first))
    return any(column_role(cell.strip().strip('"')) in HASH_KINDS for cell in cells)


def guess_delimiter(header_line: str) -> str:
    """The delimiter that splits the header line most often (comma when none does)."""
    counts = {d: header_line.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv_list(path: Path, limits: Limits = LIMITS) -> Iterator[KnownEntry]:
    """Every row of a CSV hash list as a KnownEntry, located by its line number."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        try:
            first = handle.readline(limits.line_chars + 1)
        except UnicodeDecodeError as exc:
            raise HashListError(f"line 1: not UTF-8 text: {exc}") from exc
        handle.seek(0)
        lines = BoundedLines(handle, limits.line_chars)
        reader = csv.reader(lines, delimiter=guess_delimiter(first), strict=True)
        try:
            header = next(reader, None)
            if header is None:
                raise HashListError("line 1: the file is empty; a header row is needed")
            columns = _columns(header)
            for row in reader:
                lines.record_done()
                entry = _row_entry(row, columns, f"line {reader.line_num}")
                if entry is not None:
                    yield entry
        except csv.Error as exc:
            raise HashListError(f"line {reader.line_num}: not valid CSV: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise HashListError(f"after line {reader.line_num}: not UTF-8 text: {exc}") from exc


@dataclass(frozen=True)
class _Columns:
    """Where each field sits in a row, worked out once from the header."""

    width: int
    hashes: tuple[tuple[int, str], ...]
    category: int | None
    note: int | None
    extras: tuple[tuple[int, str], ...]


def _columns(header: list[str]) -> _Columns:
    roles = [column_role(name) for name in header]
    if not any(role in HASH_KINDS for role in roles):
        raise HashListError(
            f"line 1: no hash column in header {shown(header)}; name one of md5, sha1, sha256, pdq"
        )
    seen: set[str] = set()
    for name, role in zip(header, roles, strict=True):
        key = role or name.strip()
        if key in seen:
            raise HashListError(f"line 1: column {shown(name)} appears twice in the header")
        seen.add(key)
    return _Columns(
        width=len(header),
        hashes=tuple((i, r) for i, r in enumerate(roles) if r in HASH_KINDS),
        category=roles.index("category") if "category" in roles else None,
        note=roles.index("note") if "note" in roles else None,
        extras=tuple((i, header[i].strip()) for i, r in enumerate(roles) if r is None),
    )


def _row_entry(row: list[str], columns: _Columns, where: str) -> KnownEntry | None:
    """The entry of one row; None for a blank row (an empty line or only empty cells)."""
    if not row:
        return None
    hashes = {kind: row[i] for i, kind in columns.hashes} if len(row) == columns.width else {}
    if not any(hashes.values()) and not any(cell.strip() for cell in row):
        return None
    if len(row) != columns.width:
        raise HashListError(f"{where}: {len(row)} fields, but the header has {columns.width}")
    category = row[columns.category].strip() or None if columns.category is not None else None
    note = row[columns.note] or None if columns.note is not None else None
    extra = {name: row[i] for i, name in columns.extras}
    return make_entry(where, hashes, category, note, extra)


def write_csv(
    entries: Iterable[ExportItem | KnownEntry],
    out: TextIO,
    case_name: str | None = None,
    case_id: str | None = None,
) -> int:
    """Write a CSV hash list that ``read_hashlist`` reads back; returns the row count.

    ``out`` should be opened with ``newline=""`` so notes with line breaks survive.
    A CSV list has no case header: ``case_name`` and ``case_id`` are not written.
    """
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for entry in entries:
        count += 1
        item = as_export_item(entry)
        writer.writerow(
            [
                item.md5 or "",
                item.sha1 or "",
                item.sha256 or "",
                item.pdq or "",
                item.category or "",
                item.note or "",
                "" if item.size is None else str(item.size),
                FILE_NAME_SEPARATOR.join(item.file_names),
            ]
        )
    return count
