"""``vidi hashlist``, ``match``, ``lookup``, ``groups``, ``export``, ``category``, ``report``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from vidi.cli.main import app
from vidi.demo import draw_scene, transformed_copies
from vidi_testing import jpeg_bytes

runner = CliRunner()


def vidi(home: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--home", str(home), *args], env={"VIDI_WORKERS": "1"})
    # --json output is stdout alone (notices go to stderr); errors are read from both
    return result.exit_code, result.stdout if "--json" in args else result.output


def seizure(tmp_path: Path) -> Path:
    rng = np.random.default_rng(41)
    original, other = draw_scene(rng, 320, 240), draw_scene(rng, 320, 240)
    folder = tmp_path / "seizure"
    folder.mkdir()
    (folder / "original.jpg").write_bytes(jpeg_bytes(original))
    (folder / "other.jpg").write_bytes(jpeg_bytes(other))
    copy = transformed_copies(original, np.random.default_rng(1))["jpeg_q60"]
    (folder / "copy.jpg").write_bytes(jpeg_bytes(copy))
    return folder


def test_import_ingest_match_lookup_groups_export_as_json(tmp_path: Path) -> None:
    home, folder = tmp_path / "home", seizure(tmp_path)
    _, out = vidi(home, "hash", str(folder / "other.jpg"), "--json")
    other = json.loads(out)
    (tmp_path / "l.csv").write_text(f"md5,category\n{other['md5']},csam\n")
    code, out = vidi(home, "hashlist", "import", str(tmp_path / "l.csv"), "--name", "tf", "--json")
    assert code == 0, out
    assert json.loads(out)["status"] == "imported"
    code, out = vidi(home, "hashlist", "list", "--json")
    assert [h["name"] for h in json.loads(out)] == ["tf"]
    vidi(home, "case", "create", "kite")
    code, out = vidi(home, "ingest", "--case", "kite", "-q", str(folder))
    assert code == 0, out
    code, out = vidi(home, "match", "--case", "kite", "--json")
    assert code == 0 and json.loads(out)["media"] == 3

    code, out = vidi(home, "lookup", str(folder / "copy.jpg"), "--json")
    found = json.loads(out)
    assert found["seen_in_cases"] == ["kite"]
    assert [h["kind"] for h in found["hits"]] == ["pdq"]
    code, out = vidi(home, "lookup", str(folder / "other.jpg"), "--json")
    assert [(h["kind"], h["list_name"], h["category"]) for h in json.loads(out)["hits"]] == [
        ("md5", "tf", "csam")
    ]
    code, out = vidi(home, "groups", "--case", "kite", "--json")
    [group] = json.loads(out)
    assert len(group["members"]) == 2

    code, out = vidi(home, "report", "--case", "kite", "--json")
    known = json.loads(out)["sections"]["known"]
    assert (known["known"], known["new"], known["near_duplicate_groups"]) == (1, 2, 1)
    code, out = vidi(home, "report", "--case", "kite", "--new-first", "--json")
    listed = json.loads(out)
    assert len(listed) == 2 and {m["status"] for m in listed} == {"new"}

    code, out = vidi(home, "category", "set", "--media", listed[0]["sha256"], "comparison")
    assert code == 0, out
    exported = tmp_path / "out.json"
    code, out = vidi(home, "export", "--case", "kite", "--format", "vics", str(exported), "--json")
    assert code == 0 and json.loads(out)["media"] == 3
    code, out = vidi(home, "hashlist", "import", str(exported), "--name", "back", "--json")
    assert json.loads(out)["entries"] == 3


def test_a_malformed_list_is_a_clear_error_naming_the_line(tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text("md5,category\n" + "0" * 32 + ",csam\nxyz,csam\n")
    code, out = vidi(
        tmp_path / "home", "hashlist", "import", str(tmp_path / "bad.csv"), "--name", "bad", "-q"
    )
    assert code == 1
    assert "line 3" in out and "Traceback" not in out
    code, out = vidi(tmp_path / "home", "hashlist", "list", "--json")
    assert json.loads(out) == []


def test_lookup_of_a_bad_pdq_or_nothing_is_refused(tmp_path: Path) -> None:
    code, out = vidi(tmp_path / "home", "lookup", "--pdq", "12ab")
    assert code == 1 and "64 hexadecimal" in out
    code, out = vidi(tmp_path / "home", "lookup")
    assert code == 1 and "FILE or --pdq" in out
    code, out = vidi(tmp_path / "home", "lookup", "--pdq", "0" * 64, "--json")
    assert code == 0 and json.loads(out)["hits"] == []
