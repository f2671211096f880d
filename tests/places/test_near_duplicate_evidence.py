"""Earlier cases placed in a country give evidence for media they share or nearly share."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from vidi import Workbench
from vidi.config import Settings
from vidi.estimates import near_duplicate_evidence
from vidi.store.queries import case_media
from vidi_testing import jpeg_bytes, scene


@pytest.fixture(params=["sqlite", "postgresql"])
def workbench(request: pytest.FixtureRequest, settings: Settings) -> Workbench:
    if request.param == "postgresql":
        settings = settings.with_changes(database_url=request.getfixturevalue("postgres_url"))
    with Workbench(settings.with_changes(extractors=())) as wb:
        yield wb


def folder(path: Path, pictures: dict[str, Image.Image]) -> Path:
    path.mkdir()
    for name, picture in pictures.items():
        (path / name).write_bytes(jpeg_bytes(picture))
    return path


def test_a_shared_or_near_picture_names_the_placed_earlier_case_once(
    workbench: Workbench, tmp_path: Path
) -> None:
    room, other = scene(11), scene(12)
    workbench.create_case("op-lark", country="NL")
    workbench.ingest("op-lark", [folder(tmp_path / "lark", {"room.jpg": room})])
    workbench.create_case("op-wren")  # no country: never evidence
    workbench.ingest("op-wren", [folder(tmp_path / "wren", {"other.jpg": other})])

    smaller = room.resize((480, 360))  # a near duplicate (PDQ), not the same bytes
    workbench.create_case("op-finch")
    new = folder(
        tmp_path / "finch", {"near.jpg": smaller, "other.jpg": other, "fresh.jpg": scene(13)}
    )
    (new / "same.jpg").write_bytes((tmp_path / "lark" / "room.jpg").read_bytes())
    workbench.ingest("op-finch", [new])

    with workbench.db.session() as session:
        finch = workbench._case_id("op-finch", session)
        shas = [s for s in session.scalars(case_media(finch)) if s]
        evidence = near_duplicate_evidence(session, shas, finch)
        own = near_duplicate_evidence(session, shas, workbench._case_id("op-lark", session))
    assert len(shas) == 4
    # The same picture (in op-lark itself) and the near one (linked to it): one clue
    # each for op-lark's copy, which both lead to; op-wren has no country.
    assert {e.clue.value for e in evidence} == {"NL"}
    assert len(evidence) == 1 and "op-lark" in evidence[0].label
    assert own == []  # the case asking is never its own evidence

    estimate = workbench.place("op-finch").estimate
    assert estimate.ranked and estimate.ranked[0].country == "NL"
