"""``vidi place --series`` stays inside its case; the report places each series apart."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select, update
from test_clues_cli import gps_jpeg, vidi

from vidi.config import load_settings
from vidi.store.db import Database
from vidi.store.models import Clue, Media


def _group(home: Path, groups: dict[str, str]) -> None:
    """Put media into series by the country of their GPS clue (as near-duplicate linking would)."""
    database = Database(load_settings(home, env={}).database_url)
    with database.session() as session:
        for clue in session.scalars(select(Clue).where(Clue.kind == "gps_country")):
            group = groups.get(clue.value)
            if group:
                session.execute(
                    update(Media).where(Media.sha256 == clue.media_sha256).values(group_id=group)
                )
    database.close()


def _ingest(home: Path, case: str, folder: Path, pictures: dict[str, bytes]) -> None:
    folder.mkdir()
    for name, data in pictures.items():
        (folder / name).write_bytes(data)
    assert vidi(home, "case", "create", case)[0] == 0
    code, out = vidi(home, "ingest", "--case", case, "-q", "--json", str(folder))
    assert code == 0, out


def test_series_of_another_case_is_refused_in_one_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _ingest(home, "a", tmp_path / "a", {"pl.jpg": gps_jpeg(52, 21)})
    _ingest(home, "b", tmp_path / "b", {"it.jpg": gps_jpeg(42, 12)})
    _group(home, {"PL": "g-pl", "IT": "g-it"})

    code, out = vidi(home, "place", "--case", "a", "--series", "g-it")
    assert code != 0
    assert "g-it" in out and "Traceback" not in out and len(out.strip().splitlines()) == 1
    code, out = vidi(home, "place", "--case", "a", "--series", "g-pl", "--json")
    assert code == 0 and json.loads(out)["ranked"][0]["country"] == "PL"


def test_case_report_shows_each_series_and_how_they_disagree(tmp_path: Path) -> None:
    home = tmp_path / "home"
    pictures = {"pl.jpg": gps_jpeg(52, 21), "it.jpg": gps_jpeg(42, 12), "fr.jpg": gps_jpeg(47, 2)}
    _ingest(home, "c", tmp_path / "c", pictures)
    _group(home, {"PL": "g-pl", "IT": "g-it", "FR": "g-fr"})

    _, out = vidi(home, "report", "--case", "c", "--json")
    places = json.loads(out)["sections"]["places"]
    assert {s["series"]: s["country"] for s in places["series"]} == {
        "g-pl": "PL",
        "g-it": "IT",
        "g-fr": "FR",
    }
    assert places["disagreement"]["series_placed"] == 3
    assert places["disagreement"]["share_agreeing"] < 0.5
