"""``vidi hash``: what ingest would store for one file, without storing anything."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vidi.config import Settings
from vidi.media.examine import examine


def describe_file(path: Path, settings: Settings) -> dict[str, Any]:
    """Hashes, type, size and (for pictures and videos) PDQ or vPDQ, as ingest computes them."""
    return examine(path, settings).as_dict()
