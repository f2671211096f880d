"""``vidi lookup`` and ``vidi ingest`` over a damaged PDQ index: one notice, right answers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from vidi.cli.main import app
from vidi.demo import draw_scene, transformed_copies
from vidi_testing import jpeg_bytes

runner = CliRunner()


def vidi(home: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(
        app, ["--home", str(home), *args], env={"VIDI_WORKERS": "1", "VIDI_EXTRACTORS": ""}
    )
    return result.exit_code, result.stdout, result.stderr


def test_lookup_over_a_truncated_index_rebuilds_it_and_finds_the_picture(tmp_path: Path) -> None:
    home, folder = tmp_path / "home", tmp_path / "seizure"
    folder.mkdir()
    picture = draw_scene(np.random.default_rng(5), 320, 240)
    (folder / "p.jpg").write_bytes(jpeg_bytes(picture))
    vidi(home, "case", "create", "kite")
    assert vidi(home, "ingest", "--case", "kite", "-q", str(folder))[0] == 0
    code, out, _ = vidi(home, "hash", str(folder / "p.jpg"), "--json")
    facts = json.loads(out)
    [hashes] = (home / "index" / "pdq").glob("g*.hashes.npy")
    hashes.write_bytes(hashes.read_bytes()[:70])  # cut short, as by a full disk or a crash

    code, out, err = vidi(home, "lookup", "--pdq", facts["pdq"], "--json")

    assert code == 0, err
    assert [(h["sha256"], h["distance"]) for h in json.loads(out)["hits"]] == [(facts["sha256"], 0)]
    [line] = err.strip().splitlines()
    assert line.startswith("notice: PDQ index at ")
    assert "hashes.npy has 70 bytes" in line and "rebuilt from the database (1 hash)" in line
    assert "Traceback" not in out + err

    later = tmp_path / "later"
    later.mkdir()
    copy = transformed_copies(picture, np.random.default_rng(1))["jpeg_q60"]
    (later / "copy.jpg").write_bytes(jpeg_bytes(copy))
    (home / "index" / "pdq" / "index.json").write_text("garbage")
    code, out, err = vidi(home, "ingest", "--case", "kite", "-q", str(later), "--json")
    assert code == 0, err
    assert "notice: PDQ index at " in err and "Traceback" not in err
    assert json.loads(out)["ingest"]["matches"] >= 1
