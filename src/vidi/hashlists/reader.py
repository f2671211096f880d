"""One entry point for every hash-list format: tell the format, stream the entries.

The format is told from content, never from the file name, by each format's ``detect``
in :mod:`vidi.hashlists.registry`: JSON is VICS, a header with hash columns is CSV, an
NSRL header or a bare hash on the first line is NSRL.
Every reader keeps to :class:`~vidi.hashlists.limits.Limits` while it streams.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from vidi.errors import HashListError
from vidi.hashlists.entry import KnownEntry
from vidi.hashlists.head import HEAD_BYTES, first_content_line
from vidi.hashlists.limits import LIMITS, Limits
from vidi.hashlists.registry import FORMATS, HASH_LIST_FORMATS, hash_list_format

__all__ = ["FORMATS", "detect_format", "read_hashlist", "validate_hashlist"]


def detect_format(path: Path) -> str:
    """The name of the format the file's first bytes show; HashListError if unclear."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError as exc:
        raise HashListError(f"{path}: cannot read: {exc}") from exc
    for candidate in HASH_LIST_FORMATS:
        if candidate.detect(head):
            return candidate.name
    first = first_content_line(head)
    if first is None:
        raise HashListError(f"{path}: the file is empty")
    raise HashListError(
        f"{path}: cannot tell the format from line 1 ({first[:80]!r}); "
        f"give the format explicitly (one of {', '.join(FORMATS)})"
    )


def read_hashlist(
    path: Path, format: str | None = None, limits: Limits = LIMITS
) -> Iterator[KnownEntry]:
    """Stream the known entries of a hash list; the first bad record raises HashListError.

    Errors name the file and the line or record ("line 17", "Media[3]"), and for a
    breached limit the limit, so an import run inside one transaction can be rolled
    back and the file fixed.
    """
    path = Path(path)
    chosen = hash_list_format(format or detect_format(path))
    if chosen is None:
        raise HashListError(f"{path}: unknown hash-list format {format!r}; use one of {FORMATS}")
    try:
        for count, entry in enumerate(chosen.read(path, limits), start=1):
            if count > limits.entries:
                raise HashListError(
                    f"{entry.location}: more entries than the limit of {limits.entries:,}"
                )
            yield entry
    except HashListError as exc:
        raise HashListError(f"{path}: {exc}") from exc
    except OSError as exc:
        raise HashListError(f"{path}: cannot read: {exc}") from exc


def validate_hashlist(path: Path, format: str | None = None, limits: Limits = LIMITS) -> int:
    """Read the whole list without keeping it; returns the entry count or raises HashListError."""
    count = 0
    for _ in read_hashlist(path, format, limits):
        count += 1
    return count
