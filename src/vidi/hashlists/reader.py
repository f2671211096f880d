"""One entry point for every hash-list format: tell the format, stream the entries.

The format is told from content, never from the file name: JSON is VICS, a header
with hash columns is CSV, an NSRL header or a bare hash on the first line is NSRL.
Every reader keeps to :class:`~vidi.hashlists.limits.Limits` while it streams.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from vidi.errors import HashListError
from vidi.hashlists.csvlist import column_role, guess_delimiter, read_csv_list
from vidi.hashlists.entry import HASH_KINDS, KnownEntry
from vidi.hashlists.limits import LIMITS, Limits
from vidi.hashlists.nsrl import is_nsrl_header, looks_like_plain_list, read_nsrl
from vidi.hashlists.vics import read_vics

FORMATS: tuple[str, ...] = ("vics", "csv", "nsrl")
_READERS: dict[str, Callable[[Path, Limits], Iterator[KnownEntry]]] = {
    "vics": read_vics,
    "csv": read_csv_list,
    "nsrl": read_nsrl,
}
_SNIFF_BYTES = 64 * 1024


def detect_format(path: Path) -> str:
    """'vics', 'csv' or 'nsrl' from the first bytes of the file; HashListError if unclear."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as exc:
        raise HashListError(f"{path}: cannot read: {exc}") from exc
    text = head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace")
    if text.lstrip().startswith("{"):
        return "vics"
    first = _first_content_line(text)
    if first is None:
        raise HashListError(f"{path}: the file is empty")
    if is_nsrl_header(first) or looks_like_plain_list(first):
        return "nsrl"
    cells = first.split(guess_delimiter(first))
    if any(column_role(cell.strip().strip('"')) in HASH_KINDS for cell in cells):
        return "csv"
    raise HashListError(
        f"{path}: cannot tell the format from line 1 ({first[:80]!r}); "
        f"give the format explicitly (one of {', '.join(FORMATS)})"
    )


def _first_content_line(text: str) -> str | None:
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            return line
    return None


def read_hashlist(
    path: Path, format: str | None = None, limits: Limits = LIMITS
) -> Iterator[KnownEntry]:
    """Stream the known entries of a hash list; the first bad record raises HashListError.

    Errors name the file and the line or record ("line 17", "Media[3]"), and for a
    breached limit the limit, so an import run inside one transaction can be rolled
    back and the file fixed.
    """
    path = Path(path)
    chosen = format or detect_format(path)
    if chosen not in _READERS:
        raise HashListError(f"{path}: unknown hash-list format {chosen!r}; use one of {FORMATS}")
    try:
        for count, entry in enumerate(_READERS[chosen](path, limits), start=1):
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
