"""``vidi clues``, ``vidi clue add``, ``vidi place``, ``vidi extract`` and ``vidi search``."""

from __future__ import annotations

import json
from pathlib import Path

import piexif
from typer.testing import CliRunner

from vidi.cli.main import app
from vidi_testing import jpeg_bytes, scene

runner = CliRunner()
ENV = {"VIDI_WORKERS": "1", "VIDI_EXTRACTORS": "exif"}


def vidi(home: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--home", str(home), *args], env=ENV)
    return result.exit_code, result.output


def gps_jpeg(lat: int, lon: int) -> bytes:
    gps = {
        piexif.GPSIFD.GPSLatitudeRef: b"N",
        piexif.GPSIFD.GPSLatitude: ((lat, 1), (0, 1), (0, 1)),
        piexif.GPSIFD.GPSLongitudeRef: b"E",
        piexif.GPSIFD.GPSLongitude: ((lon, 1), (0, 1), (0, 1)),
    }
    return jpeg_bytes(scene(12), exif=piexif.dump({"GPS": gps}))


def test_clues_place_and_investigator_clue_through_the_cli(tmp_path: Path) -> None:
    home, folder = tmp_path / "home", tmp_path / "s"
    folder.mkdir()
    (folder / "warsaw.jpg").write_bytes(gps_jpeg(52, 21))
    (folder / "madrid.jpg").write_bytes(jpeg_bytes(scene(13)))
    assert vidi(home, "case", "create", "op-x")[0] == 0
    code, out = vidi(home, "ingest", "--case", "op-x", "-q", "--json", str(folder))
    assert code == 0, out
    assert json.loads(out)["clues"]["media"] == 2

    code, out = vidi(home, "clues", str(folder / "warsaw.jpg"), "--json")
    found = json.loads(out)
    assert any(c["kind"] == "gps" for c in found["clues"]), found

    code, out = vidi(home, "place", "--case", "op-x", "--json")
    placed = json.loads(out)
    assert code == 0 and placed["informative"] and placed["ranked"][0]["country"] == "PL"
    assert any(r["kind"] == "gps_country" for r in placed["ranked"][0]["reasons"])
    _, out = vidi(home, "report", "--case", "op-x", "--json")
    places = json.loads(out)["sections"]["places"]
    assert places["ranked"][0]["country"] == "PL" and places["media_waiting_for_clues"] == 0

    _, out = vidi(home, "clues", str(folder / "madrid.jpg"), "--json")
    sha = json.loads(out)["sha256"]
    code, out = vidi(home, "clue", "add", "--media", sha, "--kind", "country", "--value", "es")
    assert code == 0, out
    _, out = vidi(home, "clues", "--media", sha, "--json")
    stored = json.loads(out)
    assert stored["estimate"]["ranked"][0]["country"] == "ES"
    assert any(c["author"] for c in stored["clues"])

    code, out = vidi(home, "extract", "--case", "op-x", "--json")
    assert code == 0 and json.loads(out)["media"] == 0  # nothing left to do

    code, out = vidi(home, "clue", "add", "--media", sha, "--kind", "country", "--value", "Spain")
    assert code == 1 and "alpha-2" in out
    code, out = vidi(home, "search", "--text", "anything", "--json")
    assert code == 0 and json.loads(out) == []
