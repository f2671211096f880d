"""Lists of known-benign files: NIST NSRL's NSRLFile.txt and plain one-hash-per-line lists.

Every entry is "ignorable": a match says the file is ordinary software or system
content, so reviewers need not look at it. NSRLFile.txt runs to tens of millions of
lines, so both readers go line by line, and refuse a line longer than
``Limits.line_chars`` before reading it whole.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from vidi.errors import HashListError
from vidi.hashlists.entry import IGNORABLE, KnownEntry, make_entry, shown
from vidi.hashlists.head import first_content_line
from vidi.hashlists.limits import LIMITS, BoundedLines, Limits

_NSRL_COLUMNS: dict[str, str] = {"sha1": "sha1", "md5": "md5", "sha256": "sha256"}
_PLAIN_KINDS: dict[int, str] = {32: "md5", 40: "sha1", 64: "sha256"}


def looks_like_nsrl(head: bytes) -> bool:
    """True when the first line is NSRLFile.txt's header or a bare hash (a plain list)."""
    first = first_content_line(head)
    return first is not None and (is_nsrl_header(first) or looks_like_plain_list(first))


def is_nsrl_header(line: str) -> bool:
    """True for the header line of the classic NSRLFile.txt ("SHA-1","MD5","CRC32",...)."""
    try:
        names = {_column_key(cell) for cell in next(csv.reader([line]), [])}
    except csv.Error:  # a line that is not CSV is not the header
        return False
    return {"sha1", "md5"} <= names and ("crc32" in names or "productcode" in names)


def _column_key(name: str) -> str:
    return name.strip().strip('"').lower().replace("-", "").replace("_", "")


def read_nsrl(path: Path, limits: Limits = LIMITS) -> Iterator[KnownEntry]:
    """NSRLFile.txt when the first line is its header, otherwise a plain hash-per-line list."""
    with path.open(encoding="utf-8-sig", errors="strict", newline="") as handle:
        try:
            first = handle.readline(limits.line_chars + 1)
            handle.seek(0)
            lines = BoundedLines(handle, limits.line_chars)
            if len(first) <= limits.line_chars and is_nsrl_header(first):
                yield from _read_nsrl_file(lines)
            else:
                yield from _read_plain(lines)
        except UnicodeDecodeError as exc:
            raise HashListError(f"not UTF-8 text: {exc}") from exc


def _read_nsrl_file(lines: BoundedLines) -> Iterator[KnownEntry]:
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise HashListError(f"line 1: not valid CSV: {exc}") from exc
    keys = [_NSRL_COLUMNS.get(_column_key(name)) for name in header]
    try:
        for row in reader:
            lines.record_done()
            where = f"line {reader.line_num}"
            if not row:
                continue
            if len(row) != len(header):
                raise HashListError(f"{where}: {len(row)} fields, but the header has {len(header)}")
            hashes = {key: cell for key, cell in zip(keys, row, strict=True) if key}
            named = zip(keys, header, row, strict=True)
            extra = {name: cell for key, name, cell in named if not key}
            yield make_entry(where, hashes, IGNORABLE, None, extra)
    except csv.Error as exc:
        raise HashListError(f"line {reader.line_num}: not valid CSV: {exc}") from exc


def _read_plain(lines: BoundedLines) -> Iterator[KnownEntry]:
    """One hash per line, optionally followed by a file name as md5sum/sha1sum print it."""
    for line in lines:
        lines.record_done()
        number = lines.number
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        token, _, rest = text.partition(" ")
        token, _, tab_rest = token.partition("\t")
        rest = (tab_rest or rest).strip().lstrip("*")
        where = f"line {number}"
        kind = _PLAIN_KINDS.get(len(token))
        if kind is None:
            raise HashListError(
                f"{where}: {shown(token)} is not an MD5, SHA-1 or SHA-256 hash "
                "(32, 40 or 64 hex characters)"
            )
        extra = {"file_name": rest} if rest else {}
        yield make_entry(where, {kind: token}, IGNORABLE, None, extra)


def looks_like_plain_list(line: str) -> bool:
    """True when a line is a bare hex hash, possibly followed by a file name."""
    token = line.strip().split(None, 1)[0] if line.strip() else ""
    if len(token) not in _PLAIN_KINDS:
        return False
    return all(c in "0123456789abcdefABCDEF" for c in token)
