"""Publications and tips for the web test bench: one proposed object and one tip per case.

The objects are proposed through the Workbench (the crop is rebuilt from the picture and
the packaged person detector runs); the tips come back as a real signed tip bundle from
a portal's tip store, imported with the portal's key.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from vidi import Workbench
from vidi.portal.server import export_tips
from vidi.portal.tipstore import TipStore

BOX = "40,40,160,120"
"""A box in the bench's 640×480 pictures that holds no person-like shape."""


def add_publications(
    workbench: Workbench, folder: Path, media_a: str, media_b: str
) -> tuple[int, int, int, int]:
    """(publication of case A by root, of case B by bob, a tip on each): their numbers."""
    a = workbench.propose_publication(
        "case-a", media_a, BOX, "toy", "A red box", "Where is it sold?", actor="root"
    )
    b = workbench.propose_publication(
        "case-b", media_b, BOX, "toy", "A blue box", "Where is it sold?", actor="bob"
    )
    import_portal_tips(
        workbench,
        folder / "portal",
        folder / "tips-bench",
        [(a.public_id, "Seen in a shop in Lyon", "Lyon", False)],
    )
    import_portal_tips(
        workbench,
        folder / "portal",
        folder / "tips-bench-b",
        [(b.public_id, "Sold online", "", False)],
    )
    tip_a = workbench.tips("case-a")[0].id
    tip_b = workbench.tips("case-b")[0].id
    return a.id, b.id, tip_a, tip_b


def import_portal_tips(
    workbench: Workbench, data: Path, out: Path, tips: list[tuple[str, str, str, bool]]
) -> None:
    """Tips (object id, what, where, other abuse ticked) received by the portal in DATA,
    exported as a signed bundle to OUT and imported by WORKBENCH."""
    store = TipStore(data / "tips.sqlite3")
    for object_id, what, where, other_abuse in tips:
        store.add(object_id, "en", what, where, "", consent=True, other_abuse=other_abuse)
    store.close()
    export_tips(data, out, everything=False)
    trusted = workbench.settings.home / "trusted"
    trusted.mkdir(parents=True, exist_ok=True)
    shutil.copy(data / "tips-signing.pub", trusted / "portal-tips.pub")
    workbench.import_tips(out, actor="root")
