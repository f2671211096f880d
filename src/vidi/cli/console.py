"""The console every human-readable line goes through (see :mod:`vidi.cli.display`).

Its own module, imported on first print, so that a command that prints nothing through
it (``vidi --help``) does not load Rich's console.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text

from vidi.cli.display import safe_text


class HumanConsole(Console):
    """A Rich console that never interprets markup and escapes every string it renders."""

    def __init__(self, **options: Any) -> None:
        super().__init__(markup=False, **options)

    def render_str(self, text: str, **options: Any) -> Text:
        return super().render_str(safe_text(text), **options)
