"""The vPDQ and audio links ingest stores are shown by ``vidi lookup VIDEO`` and ``vidi report``."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from typer.testing import CliRunner
from videomedia import Media as VideoSet

from vidi.cases import create_case
from vidi.cli.main import app
from vidi.config import Settings
from vidi.store.db import Database
from vidi.workbench import Workbench

runner = CliRunner()


def vidi(settings: Settings, *args: str) -> str:
    result = runner.invoke(app, ["--home", str(settings.home), *args], env={"VIDI_WORKERS": "1"})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_lookup_and_report_show_the_video_and_sound_links(
    tmp_path: Path, settings: Settings, db: Database, media: VideoSet
) -> None:
    folder = tmp_path / "seizure"
    folder.mkdir()
    for path in (media.base, media.trimmed, media.same_audio):
        shutil.copy(path, folder / path.name)
    with db.session() as session:
        create_case(session, "op-film")
    Workbench(settings, db).ingest("op-film", [folder], clues=False)
    sha = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}

    found = json.loads(vidi(settings, "lookup", str(folder / "base.mp4"), "--json"))
    kinds = {(h["kind"], h["sha256"]) for h in found["hits"]}
    assert ("vpdq", sha["trim.mp4"]) in kinds
    assert ("audio", sha["same_audio.mkv"]) in kinds
    assert all(h["cases"] == ["op-film"] for h in found["hits"] if h["kind"] in ("vpdq", "audio"))
    shown = vidi(settings, "lookup", str(folder / "base.mp4"))
    assert "vpdq" in shown and "audio" in shown and sha["trim.mp4"][:16] in shown

    report = json.loads(vidi(settings, "report", "--case", "op-film", "--json"))
    links = report["sections"]["links"]
    pairs = {
        (link["kind"], frozenset((link["sha256"], link["other_sha256"]))) for link in links["links"]
    }
    assert ("vpdq", frozenset((sha["base.mp4"], sha["trim.mp4"]))) in pairs
    assert ("audio", frozenset((sha["base.mp4"], sha["same_audio.mkv"]))) in pairs
    assert links["vpdq"] >= 1 and links["audio"] >= 1
    assert len(pairs) == len(links["links"])  # each pair once, not once per direction
    text = vidi(settings, "report", "--case", "op-film")
    assert "video links" in text and "% of frames" in text and "similarity" in text
