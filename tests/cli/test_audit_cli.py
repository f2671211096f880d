"""``vidi audit verify`` reports the first bad event; ``vidi status`` warns."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from vidi.cli.main import app
from vidi.config import load_settings
from vidi.store.db import open_database
from vidi.store.models import AuditEvent

runner = CliRunner()


def vidi(home: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--home", str(home), *args], env={"VIDI_WORKERS": "1"})
    return result.exit_code, result.stdout, result.stderr


def _three_cases(home: Path) -> None:
    for name in ("kite", "heron", "wren"):
        code, out, err = vidi(home, "case", "create", name)
        assert code == 0, out + err


def test_verify_passes_prints_the_head_and_exports_an_anchor(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _three_cases(home)
    copy = tmp_path / "supervisor.json"
    code, out, _ = vidi(home, "audit", "verify", "--export", str(copy))
    assert code == 0 and "verified: 3 events" in out
    code, out, _ = vidi(home, "audit", "verify", "--json", "--anchor", str(copy))
    report = json.loads(out)
    assert code == 0 and report["ok"] and report["events"] == 3
    assert report["anchor"]["events"] == 3 and report["anchor_copy"]["ok"]
    assert json.loads(copy.read_text())["head_hash"] == report["head_hash"]


def test_verify_json_names_the_first_bad_event_and_status_warns(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _three_cases(home)
    db = open_database(load_settings(home, env={}))
    with db.session() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.seq == 2)).one()
        event.detail = {"country": "PL"}
        edited_id = event.id
    db.close()

    code, out, _ = vidi(home, "audit", "verify", "--json")
    report = json.loads(out)
    assert code == 1 and not report["ok"]
    assert report["first_bad_event"]["seq"] == 2
    assert report["first_bad_event"]["id"] == edited_id
    assert "edited" in report["first_bad_event"]["reason"]

    code, out, err = vidi(home, "status")
    assert code == 0 and "the audit trail does not verify" in err
    code, out, _ = vidi(home, "status", "--json")
    assert json.loads(out)["audit"]["ok"] is False

    copy = tmp_path / "supervisor.json"
    code, _, err = vidi(home, "audit", "verify", "--export", str(copy))
    assert code == 1 and "no anchor was exported" in err and not copy.exists()


def test_status_is_quiet_about_a_sound_chain(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _three_cases(home)
    code, _, err = vidi(home, "status")
    assert code == 0 and "audit" not in err


def test_verify_against_a_missing_anchor_copy_is_one_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _three_cases(home)
    code, out, err = vidi(home, "audit", "verify", "--anchor", str(tmp_path / "nowhere.json"))
    assert code == 1 and "no audit anchor" in err and "Traceback" not in out + err
