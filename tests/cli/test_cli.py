"""The commands, through Typer's runner: thin skins that print tables or JSON."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from vidi.cli.main import app
from vidi_testing import jpeg_bytes, scene

runner = CliRunner()


def vidi(home: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--home", str(home), *args], env={"VIDI_WORKERS": "1"})
    return result.exit_code, result.output


def test_case_ingest_report_hash_and_status_as_json(tmp_path: Path) -> None:
    home = tmp_path / "home"
    folder = tmp_path / "seizure"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(jpeg_bytes(scene(1)))
    (folder / "b.jpg").write_bytes(jpeg_bytes(scene(2)))
    (folder / "a-again.jpg").write_bytes((folder / "a.jpg").read_bytes())

    code, out = vidi(home, "case", "create", "op-kite", "--country", "pl")
    assert code == 0, out
    code, out = vidi(home, "ingest", "--case", "op-kite", "--quiet", "--no-clues", str(folder))
    assert code == 0, out
    code, out = vidi(home, "report", "--case", "op-kite", "--json")
    report = json.loads(out)
    assert report["files"] == 3
    assert (report["files"], report["unique_media"], report["exact_duplicates"]) == (3, 2, 1)
    assert report["country"] == "PL"

    code, out = vidi(home, "hash", str(folder / "a.jpg"), "--json")
    described = json.loads(out)
    assert described["media_type"] == "image" and len(described["pdq"]) == 64
    code, out = vidi(home, "status", "--json")
    status = json.loads(out)
    assert status["counts"]["media"] == 2 and status["database"] == "sqlite"
    assert status["home"] == str(home.resolve())


def test_hash_agrees_with_what_ingest_stored(tmp_path: Path) -> None:
    from sqlalchemy import select

    from vidi.config import load_settings
    from vidi.store.db import open_database
    from vidi.store.models import Media

    home = tmp_path / "home"
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "x.jpg").write_bytes(jpeg_bytes(scene(3, 1600, 1200)))
    vidi(home, "case", "create", "c")
    vidi(home, "ingest", "--case", "c", "-q", "--no-clues", str(folder))
    _, out = vidi(home, "hash", str(folder / "x.jpg"), "--json")
    described = json.loads(out)
    db = open_database(load_settings(home, env={}))
    with db.session() as session:
        media = session.scalars(select(Media)).one()
    assert (media.sha256, media.md5, media.sha1, media.pdq, media.pdq_quality) == (
        described["sha256"],
        described["md5"],
        described["sha1"],
        described["pdq"],
        described["pdq_quality"],
    )
    assert (media.width, media.height) == (1600, 1200)


def test_unknown_case_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    folder.mkdir()
    code, out = vidi(tmp_path / "home", "ingest", "--case", "nope", "-q", str(folder))
    assert code == 5  # not found (vidi.cli.boundary)
    assert out.startswith("error: no case named 'nope'") and "Traceback" not in out
    assert "no case named 'nope'" in out and "Traceback" not in out


def test_status_hides_the_database_password(tmp_path: Path) -> None:
    from vidi.config import hide_password

    assert hide_password("postgresql+psycopg://vidi:s3cret@db:5432/vidi") == (
        "postgresql+psycopg://vidi:***@db:5432/vidi"
    )
