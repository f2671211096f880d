"""What the publication tests share: the case name and the seized picture."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vidi import Workbench

CASE = "op-lantern"


@dataclass(frozen=True)
class Seized:
    """A Workbench whose case CASE holds one ingested picture (its file and SHA-256)."""

    workbench: Workbench
    picture: Path
    sha256: str
