"""How much of anything a hash list may hold, and a line reader that keeps to it.

Hash lists come from partners and from the field; a broken or hostile one must fail
with one line naming the file, the record and the limit, never take the process down
or its memory past a bound. Every reader streams, and every limit is checked while
streaming, before text is handed to a parser or built into objects. The figures and
the reasons for them are in docs/reliability.md ("Hash lists: input limits").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from vidi.errors import HashListError


@dataclass(frozen=True)
class Limits:
    """The most a hash list may hold; ``LIMITS`` is what every import uses."""

    depth: int = 32
    """JSON arrays and objects inside each other (a VICS Media record needs about 6)."""
    number_chars: int = 40
    """Characters of one JSON number (a 64-bit integer has 20, a double about 25)."""
    string_bytes: int = 64 * 1024
    """Bytes of one JSON string, as written in the file (escapes included)."""
    record_bytes: int = 1024 * 1024
    """Bytes of one VICS Media record (checked per 16 KiB block, so give or take one)."""
    line_chars: int = 64 * 1024
    """Characters of one CSV or NSRL record (a quoted cell may span lines)."""
    entries: int = 1_000_000_000
    """Entries in one list."""


LIMITS = Limits()


class BoundedLines:
    """The lines of a text file, refusing a record longer than ``limit`` characters.

    No line is read whole before it is measured (``readline`` is given the limit), so a
    file that is one endless line costs ``limit`` characters of memory. A CSV record may
    span lines, so the count runs until the reader calls :meth:`record_done`.
    """

    def __init__(self, handle: TextIO, limit: int) -> None:
        self._handle = handle
        self._limit = limit
        self._chars = 0
        self.number = 0
        """The number of the last line read (1 for the first)."""

    def __iter__(self) -> BoundedLines:
        return self

    def __next__(self) -> str:
        line = self._handle.readline(self._limit + 1)
        if not line:
            raise StopIteration
        self.number += 1
        self._chars += len(line)
        if self._chars > self._limit:
            raise HashListError(
                f"line {self.number}: a record longer than the limit of {self._limit:,} characters"
            )
        return line

    def record_done(self) -> None:
        """The reader finished a record: the next line starts a new count."""
        self._chars = 0
