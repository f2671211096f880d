"""Human output that shows exactly what is there: no hidden characters, no injected styles.

Case names, file names from a seizure and text read from pictures are data, and data can
hold terminal escape sequences, newlines that forge extra lines, right-to-left overrides
that reorder what is shown, or Rich markup such as ``[red]``. Every string printed
through :class:`vidi.cli.console.HumanConsole` (plain text, table cells, titles) is shown
literally, with such characters written as visible escapes (``\\x1b``, ``\\n``,
``\\u202e``). ``--json`` output is exact and unescaped.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.text import Text

# C0 and C1 control characters, DEL, the Unicode line and paragraph separators, and the
# bidirectional controls that reorder displayed text.
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def safe_text(value: object) -> str:
    """``value`` as one line of text with control characters written as visible escapes."""
    return _HIDDEN.sub(_visible, str(value))


def styled(*parts: str | tuple[str, str]) -> Text:
    """A line from plain parts and ``(text, style)`` parts, every part escaped.

    ``styled(("places", "bold"), ": ", note)`` replaces the markup string
    ``f"[bold]places[/bold]: {note}"``, which would let ``note`` carry markup of its own.
    """
    from rich.text import Text  # here, so importing this module does not load Rich

    text = Text()
    for part in parts:
        if isinstance(part, tuple):
            text.append(safe_text(part[0]), style=part[1])
        else:
            text.append(safe_text(part))
    return text
