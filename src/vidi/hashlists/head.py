"""The first bytes of a hash list, as the formats' ``detect`` functions look at them."""

from __future__ import annotations

HEAD_BYTES = 64 * 1024
"""How much of a file the formats are told from."""


def head_text(head: bytes) -> str:
    """The head as text: a UTF-8 byte-order mark dropped, bad bytes replaced."""
    return head.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace")


def first_content_line(head: bytes) -> str | None:
    """The first line that is neither blank nor a ``#`` comment; None when there is none."""
    for line in head_text(head).splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            return line
    return None
