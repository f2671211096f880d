"""``vidi series …`` and ``vidi place --series ID``: a series belongs to one case."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from typer.testing import CliRunner

from vidi.cli.main import app
from vidi_testing import jpeg_bytes, scene


def run(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--home", str(home), *args], env={"VIDI_EXTRACTORS": "exif"})
    return result.exit_code, result.output


def vidi(home: Path, *args: str) -> str:
    code, output = run(home, *args)
    assert code == 0, output
    return output


def test_series_commands_and_place_refuses_another_cases_series(tmp_path: Path) -> None:
    home, folder = tmp_path / "home", tmp_path / "seized"
    folder.mkdir()
    for seed in (1, 2):
        (folder / f"p{seed}.jpg").write_bytes(jpeg_bytes(scene(seed, 200, 150)))
    vidi(home, "case", "create", "op-a")
    vidi(home, "case", "create", "op-b")
    vidi(home, "ingest", "--case", "op-a", str(folder))
    first, second = (
        hashlib.sha256((folder / f"p{s}.jpg").read_bytes()).hexdigest() for s in (1, 2)
    )
    made = json.loads(vidi(home, "series", "create", "set one", "--case", "op-a", "--json"))
    vidi(home, "series", "add", str(made["id"]), first, "--case", "op-a")
    [proposal] = json.loads(
        vidi(home, "series", "proposals", str(made["id"]), "--case", "op-a", "--json")
    )
    assert proposal["media_sha256"] == second  # the same folder
    accepted = [
        "series",
        "proposals",
        str(made["id"]),
        "--case",
        "op-a",
        "--accept",
        str(proposal["id"]),
    ]
    assert "no open proposals" in vidi(home, *accepted)
    listed = json.loads(vidi(home, "series", "list", "--case", "op-a", "--json"))
    assert [(s["name"], s["media"]) for s in listed] == [("set one", 2)]

    code, output = run(home, "place", "--case", "op-b", "--series", str(made["id"]))
    assert code != 0
    assert output.strip().splitlines() == [
        f"error: no such series in this case (series {made['id']}, case 'op-b'); "
        "see 'vidi series list'"
    ]
    assert "Traceback" not in output
    vidi(home, "place", "--case", "op-a", "--series", str(made["id"]))
