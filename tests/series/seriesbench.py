"""A case of generated pictures in two folders, a second case, and ways to plant facts.

Near-duplicate groups and extracted clues are planted as rows (what matching and the
extractors would store), so these tests are about series, grading and clue review.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from vidi import Workbench
from vidi.store.models import Clue, Media
from vidi_testing import jpeg_bytes, scene


@dataclass
class Bench:
    workbench: Workbench
    case_a: int
    case_b: int
    set1: list[str]
    set2: list[str]
    other: list[str]

    def plant_group(self, group: str, sha256s: list[str]) -> None:
        with self.workbench.db.session() as session:
            for sha in sha256s:
                media = session.get(Media, sha)
                assert media is not None
                media.group_id = group

    def plant_clue(self, sha256: str, kind: str, value: str, extractor: str = "barcode") -> int:
        with self.workbench.db.session() as session:
            clue = Clue(
                media_sha256=sha256,
                kind=kind,
                value=value,
                extractor=extractor,
                extractor_version="1",
            )
            session.add(clue)
            session.flush()
            return clue.id


@cache
def picture(seed: int) -> bytes:
    """A small generated picture (made once per test run)."""
    return jpeg_bytes(scene(seed, 240, 180))


def _pictures(folder: Path, seeds: list[int]) -> None:
    folder.mkdir(parents=True)
    for seed in seeds:
        (folder / f"p{seed}.jpg").write_bytes(picture(seed))


def build_bench(workbench: Workbench, folder: Path) -> Bench:
    a = workbench.create_case("case-a", country="DE")
    b = workbench.create_case("case-b")
    seizure = folder / "seizure"
    _pictures(seizure / "set1", [31, 32, 33])
    _pictures(seizure / "set2", [41, 42])
    workbench.ingest("case-a", [seizure])
    _pictures(folder / "other", [51, 52])
    workbench.ingest("case-b", [folder / "other"])
    by_folder = {
        name: sorted(hashlib.sha256(p.read_bytes()).hexdigest() for p in base.iterdir())
        for name, base in (
            ("set1", seizure / "set1"),
            ("set2", seizure / "set2"),
            ("other", folder / "other"),
        )
    }
    return Bench(workbench, a.id, b.id, by_folder["set1"], by_folder["set2"], by_folder["other"])
