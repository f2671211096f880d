"""Vidi: a victim-identification workbench.

The package follows the data flow of the design: sources → ingest → fingerprints →
index → matching → clues → places, with store/ holding what is learned. ``Workbench``
is the library's one face (docs/library.md); cli/ is a thin skin over it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vidi.workbench import Workbench

__version__ = "0.1.0"
__all__ = ["Workbench", "__version__"]


def __getattr__(name: str) -> Any:
    # Imported on first use, so ``import vidi`` (and ``vidi --help``) stays cheap.
    if name == "Workbench":
        from vidi.workbench import Workbench

        return Workbench
    raise AttributeError(f"module 'vidi' has no attribute {name!r}")
