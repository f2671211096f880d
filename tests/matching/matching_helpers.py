"""Cases of generated, benign pictures for the matching tests."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
from PIL import Image

from vidi.cases import create_case
from vidi.config import Settings
from vidi.demo import draw_scene, transformed_copies
from vidi.media.examine import examine
from vidi.results import IngestOutcome
from vidi.store.db import Database
from vidi.workbench import Workbench
from vidi_testing import jpeg_bytes

ROBUST = ("resize_50", "jpeg_q30", "jpeg_q60", "jpeg_q90", "colour_shift")
"""Edits PDQ is known to survive within radius 31 (crops, turns and mirrors may not)."""


def pictures(seed: int, count: int, size: tuple[int, int] = (320, 240)) -> list[Image.Image]:
    rng = np.random.default_rng(seed)
    return [draw_scene(rng, *size) for _ in range(count)]


def robust_copies(image: Image.Image, seed: int = 7) -> dict[str, Image.Image]:
    copies = transformed_copies(image, np.random.default_rng(seed))
    return {name: copies[name] for name in ROBUST}


def write_folder(folder: Path, images: dict[str, Image.Image]) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, image in images.items():
        paths[name] = folder / f"{name}.jpg"
        paths[name].write_bytes(jpeg_bytes(image.convert("RGB"), quality=92))
    return paths


def new_case(db: Database, *names: str) -> None:
    with db.session() as session:
        for name in names:
            create_case(session, name)


def ingest_folder(db: Database, settings: Settings, case: str, folder: Path) -> IngestOutcome:
    """Store the folder's files and match what is new (no clues)."""
    return Workbench(settings, db).ingest(case, [folder], clues=False)


def described(settings: Settings, paths: Iterable[Path]) -> list[dict]:
    """What ``vidi hash`` says of each file (media.examine, as ingest computes it)."""
    return [examine(p, settings).as_dict() for p in paths]


def csv_list(path: Path, rows: list[dict[str, str]]) -> Path:
    columns = ["md5", "sha1", "sha256", "pdq", "category", "note"]
    lines = [",".join(columns)]
    lines += [",".join(row.get(c, "") for c in columns) for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return path
