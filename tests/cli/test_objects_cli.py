"""``vidi features``, ``vidi find`` and ``vidi gallery`` from the command line."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
from PIL import Image
from typer.testing import CliRunner

from vidi.cli.main import app
from vidi.demo.objects import jpeg, paste, room, textured_object

runner = CliRunner()


def _vidi(home: Path, *args: str, **env: str):  # type: ignore[no-untyped-def]
    return runner.invoke(
        app,
        ["--home", str(home), *args],
        env={"VIDI_WORKERS": "1", "VIDI_EXTRACTORS": "", "VIDI_FEATURES": "1", **env},
    )


def test_find_lists_the_other_picture_of_the_object_and_a_bad_box_is_one_line(
    tmp_path: Path,
) -> None:
    home, folder = tmp_path / "home", tmp_path / "case"
    folder.mkdir()
    rng = np.random.default_rng(2)
    toy = textured_object(61, 320, 250)
    first, box = paste(room(61), toy, rng, scale=0.9)
    (folder / "a.jpg").write_bytes(jpeg(first))
    (folder / "b.jpg").write_bytes(jpeg(paste(room(62), toy, rng, scale=0.8, angle=12)[0]))
    (folder / "c.jpg").write_bytes(jpeg(room(63)))
    assert _vidi(home, "case", "create", "op-toy").exit_code == 0
    ingested = _vidi(home, "ingest", str(folder), "--case", "op-toy", "--json")
    assert ingested.exit_code == 0, ingested.output
    assert json.loads(ingested.stdout)["features"]["pictures"] == 3  # no separate command
    ran = _vidi(home, "features", "--case", "op-toy", "--json")
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.stdout)["pictures"] == 0
    sha = hashlib.sha256((folder / "a.jpg").read_bytes()).hexdigest()
    other = hashlib.sha256((folder / "b.jpg").read_bytes()).hexdigest()
    where = ",".join(str(v) for v in box)
    found = _vidi(home, "find", "--case", "op-toy", "--media", sha, "--box", where, "--json")
    assert found.exit_code == 0, found.output
    hits = json.loads(found.stdout)["hits"]
    assert [h["media_sha256"] for h in hits] == [other]
    assert hits[0]["inliers"] >= 12
    bad = _vidi(home, "find", "--case", "op-toy", "--media", sha, "--box", "1,2,3")
    assert bad.exit_code != 0
    assert "--box wants x,y,width,height" in bad.output
    assert "Traceback" not in bad.output


def test_gallery_import_and_list(tmp_path: Path) -> None:
    home, gallery = tmp_path / "home", tmp_path / "logos"
    gallery.mkdir()
    Image.fromarray(textured_object(9, 300, 240)).save(gallery / "badge.png")
    (gallery / "gallery.csv").write_text("file,label,country,note\nbadge.png,Badge,XX,\n")
    result = _vidi(home, "gallery", "import", str(gallery), "--name", "logos", "--json")
    assert result.exit_code == 0, result.output
    imported = json.loads(result.stdout)
    assert imported["items"] == 0 and "not an ISO 3166-1 country code" in imported["skipped"][0]
    listed = _vidi(home, "gallery", "list", "--json")
    assert [g["name"] for g in json.loads(listed.stdout)] == ["logos"]


def test_gallery_check_finds_an_item_in_pictures_linked_before_the_gallery(
    tmp_path: Path,
) -> None:
    home, folder, gallery = tmp_path / "home", tmp_path / "case", tmp_path / "bags"
    folder.mkdir()
    gallery.mkdir()
    bag = textured_object(64, 400, 320)
    rng = np.random.default_rng(6)
    (folder / "kitchen.jpg").write_bytes(jpeg(paste(room(64), bag, rng, scale=0.6)[0]))
    (folder / "hall.jpg").write_bytes(jpeg(room(65)))
    assert _vidi(home, "case", "create", "op-bag").exit_code == 0
    assert _vidi(home, "ingest", str(folder), "--case", "op-bag", "--json").exit_code == 0
    none = _vidi(home, "gallery", "check", "--case", "op-bag")
    assert none.exit_code != 0 and "no gallery is imported" in none.output
    assert "Traceback" not in none.output
    Image.fromarray(bag).save(gallery / "bag.png")
    (gallery / "gallery.csv").write_text("file,label,country,note\nbag.png,Shop bag,PT,\n")
    assert _vidi(home, "gallery", "import", str(gallery), "--name", "bags").exit_code == 0
    checked = _vidi(home, "gallery", "check", "--case", "op-bag", "--json")
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.stdout) == {"pictures": 2, "object_clues": 1}
    again = _vidi(home, "gallery", "check", "--case", "op-bag")
    assert "2 pictures asked, 0 new matches" in again.output
    kitchen = hashlib.sha256((folder / "kitchen.jpg").read_bytes()).hexdigest()
    clues = _vidi(home, "clues", "--media", kitchen, "--json")
    assert clues.exit_code == 0, clues.output
    stored = json.loads(clues.stdout)["clues"]
    assert [c["value"] for c in stored if c["kind"] == "object_match"] == ["Shop bag"]
    assert json.loads(clues.stdout)["estimate"]["ranked"][0]["country"] == "PT"


def test_ingest_skips_the_feature_stage_when_switched_off(tmp_path: Path) -> None:
    home, folder, more = tmp_path / "home", tmp_path / "case", tmp_path / "more"
    folder.mkdir()
    more.mkdir()
    rng = np.random.default_rng(4)
    for n, where in ((71, folder), (72, folder), (73, more)):
        (where / f"{n}.jpg").write_bytes(jpeg(paste(room(n), textured_object(n), rng, 0.7)[0]))
    assert _vidi(home, "case", "create", "op-off").exit_code == 0
    off = _vidi(home, "ingest", str(folder), "--case", "op-off", "--json", VIDI_FEATURES="0")
    assert off.exit_code == 0, off.output
    assert json.loads(off.stdout)["features"] is None
    flag = _vidi(home, "ingest", str(more), "--case", "op-off", "--no-features", "--json")
    assert flag.exit_code == 0, flag.output
    assert json.loads(flag.stdout)["features"] is None
    ran = _vidi(home, "features", "--case", "op-off", "--json")
    assert json.loads(ran.stdout)["pictures"] == 3  # none was indexed by the two ingests
