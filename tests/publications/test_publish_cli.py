"""``vidi publish`` and ``vidi tips`` end to end: every step audited, the chain verifies."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from pictures import OBJECT_BOX, metadata_jpeg, table_picture
from sqlalchemy import select
from typer.testing import CliRunner

from vidi.cli.main import app
from vidi.config import load_settings
from vidi.portal.tipstore import TipStore
from vidi.store.db import open_database
from vidi.store.models import AuditEvent

runner = CliRunner()


def vidi(home: Path, *args: str) -> tuple[int, str, str]:
    env = {"VIDI_WORKERS": "1", "VIDI_EXTRACTORS": "", "COLUMNS": "200"}
    result = runner.invoke(app, ["--home", str(home), *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def ok(home: Path, *args: str) -> str:
    code, out, err = vidi(home, *args)
    assert code == 0, out + err
    return out


def test_publish_and_tips_from_the_command_line_leave_a_verified_audit_trail(
    tmp_path: Path,
) -> None:
    home, seizure = tmp_path / "home", tmp_path / "seizure"
    seizure.mkdir()
    (seizure / "table.jpg").write_bytes(metadata_jpeg(table_picture()))
    sha256 = hashlib.sha256((seizure / "table.jpg").read_bytes()).hexdigest()
    ok(home, "case", "create", "op-lantern")
    ok(home, "ingest", "--case", "op-lantern", "-q", "--no-clues", str(seizure))

    box = ",".join(str(n) for n in OBJECT_BOX)
    proposed = json.loads(
        ok(home, "publish", "propose", "--case", "op-lantern", "--media", sha256, "--box", box,
           "--type", "toy", "--description", "Red toy car", "--question", "Where is it sold?",
           "--as", "anna", "--json")
    )  # fmt: skip
    number = str(proposed["id"])
    assert proposed["status"] == "proposed" and "HOG" in proposed["person_check"]

    code, out, err = vidi(home, "publish", "approve", number, "--no-person-visible", "--as", "anna")
    assert code == 1 and err.startswith("error: anna proposed publication") and not out
    assert len(err.strip().splitlines()) == 1
    code, _, err = vidi(home, "publish", "approve", number, "--as", "ben")
    assert code == 1 and "--no-person-visible" in err
    ok(home, "publish", "approve", number, "--no-person-visible", "--as", "ben")
    ok(home, "publish", "crop", number, str(tmp_path / "look.png"))
    listed = json.loads(ok(home, "publish", "list", "--case", "op-lantern", "--json"))
    assert [(p["status"], p["approver"]) for p in listed] == [("approved", "ben")]
    exported = json.loads(ok(home, "publish", "export", str(tmp_path / "out"), "--json"))
    assert exported["public_ids"] == [proposed["public_id"]]

    portal = tmp_path / "portal"
    store = TipStore(portal / "tips.sqlite3")
    store.add(proposed["public_id"], "en", "Sold in Poland", "Krakow market", "", consent=True)
    store.close()
    ok(home, "portal", "tips", "export", str(tmp_path / "tips"), "--data", str(portal))
    key = portal / "tips-signing.pub"
    assert "1 new tips" in ok(home, "tips", "import", str(tmp_path / "tips"), "--key", str(key))
    (home / "trusted").mkdir()
    shutil.copy(key, home / "trusted" / "portal-tips.pub")
    assert "0 new tips (1 imported before" in ok(home, "tips", "import", str(tmp_path / "tips"))
    [tip] = json.loads(ok(home, "tips", "list", "--case", "op-lantern", "--json"))
    ok(home, "tips", "set", str(tip["id"]), "useful")
    clued = ok(home, "tips", "clue", str(tip["id"]), "--kind", "country", "--value", "PL")
    # The console may wrap at another test's width in the same process: compare words.
    assert "feeds the place estimate" in " ".join(clued.split())
    ok(home, "publish", "withdraw", number, "--reason", "tip-off risk", "--as", "ben")
    placed = ok(home, "place", "--case", "op-lantern")
    placed = " ".join(placed.split())
    assert "Poland" in placed and f"from tip #{tip['id']}" in placed

    db = open_database(load_settings(home, env={}))
    with db.session() as session:
        actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
    db.close()
    for action in (
        "publication.propose",
        "publication.approve",
        "publication.export",
        "tips.import",
        "tip.status",
        "clue.add",
        "tip.clue",
        "publication.withdraw",
    ):
        assert action in actions
    assert actions.count("tips.import") == 2
    assert "verified" in ok(home, "audit", "verify")
