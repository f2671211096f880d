"""A hash-list import killed after its commit is matched by the next import, ingest or match.

The kill is real: a child process imports the list with the step after the commit
replaced by ``SIGKILL`` to itself, so the commit is on disk and nothing after it ran.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from matching_helpers import csv_list, described, ingest_folder, new_case, pictures, write_folder
from sqlalchemy import func, select
from typer.testing import CliRunner

from vidi.cli.main import app
from vidi.config import Settings
from vidi.matching import import_hashlist
from vidi.matching.importing import finish_pending_matches
from vidi.store.db import Database
from vidi.store.models import HashList, Match

_KILLED_IMPORT = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from vidi.config import load_settings
    from vidi.matching import importing
    from vidi.store.db import Database

    home, url, path = sys.argv[1:4]
    settings = load_settings(home, env={"VIDI_DATABASE_URL": url})
    importing._after_commit = lambda *args: os.kill(os.getpid(), signal.SIGKILL)
    importing.import_hashlist(Database(url), settings, Path(path), "task-force")
    """
)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, settings: Settings) -> str:
    if request.param == "sqlite":
        return settings.database_url
    return request.getfixturevalue("postgres_url")


def _killed_import(settings: Settings, url: str, tmp_path: Path) -> Database:
    """Two stored pictures, then a list naming both by MD5, imported and killed."""
    paths = write_folder(tmp_path / "seizure", dict(zip("ab", pictures(5, 2), strict=True)))
    db = Database(url)
    new_case(db, "op")
    ingest_folder(db, settings, "op", tmp_path / "seizure")
    facts = described(settings, paths.values())
    csv_list(tmp_path / "list.csv", [{"md5": f["md5"], "category": "csam"} for f in facts])
    done = subprocess.run(
        [sys.executable, "-c", _KILLED_IMPORT, str(settings.home), url, str(tmp_path / "list.csv")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr[-2000:]
    assert _state(db) == (2, None, 0)  # committed, pending, unmatched: the bug's state
    return db


def _state(db: Database) -> tuple[int, object, int]:
    with db.session() as session:
        hashlist = session.scalars(select(HashList)).one()
        matches = session.scalar(select(func.count()).select_from(Match))
        return hashlist.entry_count, hashlist.matched_at, matches or 0


def test_reimporting_the_same_file_finishes_the_killed_match(
    settings: Settings, database_url: str, tmp_path: Path
) -> None:
    settings = settings.with_changes(database_url=database_url)
    db = _killed_import(settings, database_url, tmp_path)
    try:
        result = import_hashlist(db, settings, tmp_path / "list.csv", "task-force")
        assert result.status == "unchanged"
        assert [(f.name, f.matches) for f in result.finished] == [("task-force", 2)]
        entries, matched_at, matches = _state(db)
        assert (entries, matches) == (2, 2) and matched_at is not None
        again = import_hashlist(db, settings, tmp_path / "list.csv", "task-force")
        assert again.finished == ()  # nothing pending any more
    finally:
        db.close()


@pytest.mark.parametrize("command", ["match", "ingest"])
def test_the_next_match_or_ingest_finishes_the_killed_match(
    settings: Settings, database_url: str, tmp_path: Path, command: str
) -> None:
    settings = settings.with_changes(database_url=database_url)
    db = _killed_import(settings, database_url, tmp_path)
    try:
        (tmp_path / "more").mkdir()
        args = {"match": ["match", "--case", "op"], "ingest": ["ingest", "--case", "op"]}
        args["ingest"] += ["--no-clues", "-q", str(tmp_path / "more")]
        result = CliRunner().invoke(
            app,
            ["--home", str(settings.home), *args[command]],
            env={"VIDI_WORKERS": "1", "VIDI_DATABASE_URL": database_url},
        )
        assert result.exit_code == 0, result.output
        assert "finished matching stored media against hash lists" in result.output
        assert "'task-force' (2 matches)" in result.output
        entries, matched_at, matches = _state(db)
        assert (entries, matches) == (2, 2) and matched_at is not None
    finally:
        db.close()


def test_a_finished_import_leaves_nothing_pending(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    csv_list(tmp_path / "l.csv", [{"md5": "ab" * 16}])
    import_hashlist(db, settings, tmp_path / "l.csv", "l")
    assert _state(db)[1] is not None
    assert finish_pending_matches(db, settings) == ()


def test_an_import_told_not_to_match_stays_pending_until_the_next_run(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    csv_list(tmp_path / "l.csv", [{"md5": "ab" * 16}])
    import_hashlist(db, settings, tmp_path / "l.csv", "l", match=False)
    assert _state(db)[1] is None
    assert [f.name for f in finish_pending_matches(db, settings)] == ["l"]
    assert _state(db)[1] is not None
