"""Every failure at the command line is one line on stderr and a documented exit status.

Each input runs ``python -m vidi`` in a child process, as a user would, so nothing between
the entry point and the command can leak a traceback. The statuses are the table in
``vidi.cli.boundary`` (and docs/reliability.md).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vidi.cases import CASE_NAME_MAX
from vidi.cli.boundary import (
    EXIT_DATABASE,
    EXIT_FILES,
    EXIT_NOT_FOUND,
    EXIT_UNEXPECTED,
    EXIT_USAGE,
)
from vidi.cli.display import safe_text
from vidi.cli.main import app
from vidi.config import load_settings
from vidi.store.db import open_database
from vidi.store.models import Case

LONG_PATH = "/tmp/" + "a" * 5000


def vidi(
    home: Path | str, *args: str, first: tuple[str, ...] = (), **env: str
) -> subprocess.CompletedProcess[str]:
    """``vidi [FIRST] --home HOME ARGS`` with only the VIDI_* variables given here."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("VIDI_")}
    return subprocess.run(
        [sys.executable, "-m", "vidi", *first, "--home", str(home), *args],
        env={**clean, "VIDI_WORKERS": "1", **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def assert_one_error_line(result: subprocess.CompletedProcess[str], status: int) -> str:
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert result.returncode == status, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("VIDI_DATABASE_URL", "not a url"),
        ("VIDI_DATABASE_URL", "foo://"),
        ("VIDI_WORKERS", "abc"),
    ],
)
def test_a_bad_setting_is_one_line_and_bad_usage(tmp_path: Path, variable: str, value: str) -> None:
    line = assert_one_error_line(vidi(tmp_path, "case", "list", **{variable: value}), EXIT_USAGE)
    assert variable in line and repr(value) in line


def test_postgresql_on_a_closed_port_is_one_line_without_the_password(tmp_path: Path) -> None:
    url = "postgresql+psycopg://vidi:secret@127.0.0.1:1/vidi"
    result = vidi(tmp_path, "case", "list", VIDI_DATABASE_URL=url)
    line = assert_one_error_line(result, EXIT_DATABASE)
    assert "vidi:***@127.0.0.1:1/vidi" in line and "secret" not in result.stderr


def test_a_missing_postgresql_database_is_one_line(tmp_path: Path, postgres_url: str) -> None:
    missing = postgres_url.rsplit("/", 1)[0] + "/vidi_no_such_database"
    result = vidi(tmp_path, "case", "list", VIDI_DATABASE_URL=missing)
    line = assert_one_error_line(result, EXIT_DATABASE)
    assert "vidi_no_such_database" in line and "does not exist" in line


def test_a_home_that_is_a_file_is_one_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.write_text("not a folder")
    line = assert_one_error_line(vidi(home, "case", "list"), EXIT_FILES)
    assert "is not a folder" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_home_is_one_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o555)
    try:
        line = assert_one_error_line(vidi(home, "case", "list"), EXIT_FILES)
    finally:
        home.chmod(0o755)
    assert "read-only" in line


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs Linux sysfs")
def test_a_home_that_cannot_be_created_is_one_line(tmp_path: Path) -> None:
    line = assert_one_error_line(vidi("/sys/vidi-home", "case", "list"), EXIT_FILES)
    assert "cannot create the Vidi home /sys/vidi-home" in line


def test_a_5000_character_home_is_one_short_line(tmp_path: Path) -> None:
    line = assert_one_error_line(vidi(LONG_PATH, "case", "list"), EXIT_FILES)
    assert "File name too long" in line and "characters left out" in line
    assert len(line) < 1100


def test_a_5000_character_source_path_is_one_line(tmp_path: Path) -> None:
    assert vidi(tmp_path, "case", "create", "c").returncode == 0
    result = vidi(tmp_path, "ingest", "--case", "c", "--quiet", LONG_PATH)
    assert "File name too long" in assert_one_error_line(result, EXIT_FILES)


@pytest.mark.parametrize("workers", ["0", "-1"])
def test_fewer_than_one_worker_is_refused_as_bad_usage(tmp_path: Path, workers: str) -> None:
    result = vidi(tmp_path, "ingest", "--workers", workers, "--case", "c", str(tmp_path))
    assert "--workers" in assert_one_error_line(result, EXIT_USAGE)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_case_names_have_the_same_limit_on_both_databases(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    env = {}
    if backend == "postgresql":
        env["VIDI_DATABASE_URL"] = request.getfixturevalue("postgres_url")
    too_long = vidi(tmp_path, "case", "create", "n" * (CASE_NAME_MAX + 1), **env)
    line = assert_one_error_line(too_long, EXIT_USAGE)
    assert line == "error: a case name has at most 200 characters, this one has 201; " + (
        "choose a shorter name (the description can hold the rest)"
    )
    longest = vidi(tmp_path, "case", "create", "n" * CASE_NAME_MAX, **env)
    assert longest.returncode == 0, longest.stderr


def test_a_case_name_with_control_characters_is_refused(tmp_path: Path) -> None:
    result = vidi(tmp_path, "case", "create", "x\n\x1b[31mRED")
    line = assert_one_error_line(result, EXIT_USAGE)
    assert "\x1b" not in line and "\\x1b" in line


def test_case_list_shows_control_characters_and_markup_as_text(tmp_path: Path) -> None:
    db = open_database(load_settings(tmp_path, env={}))
    with db.session() as session:  # written past the library's check, as an old database may be
        session.add_all([Case(name="x\n\x1b[31mRED\u202e"), Case(name="[red]plain[/x]")])
    db.close()
    result = vidi(tmp_path, "case", "list")
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert "x\\n\\x1b[31mRED\\u202e" in result.stdout
    assert "[red]plain[/x]" in result.stdout


def test_unknown_case_is_not_found(tmp_path: Path) -> None:
    assert_one_error_line(vidi(tmp_path, "report", "--case", "nope"), EXIT_NOT_FOUND)


@pytest.mark.parametrize("switch", [("--debug",), ()])
def test_debug_shows_the_traceback_then_the_same_line(tmp_path: Path, switch: tuple[str]) -> None:
    env = {"VIDI_WORKERS": "abc"} | ({} if switch else {"VIDI_DEBUG": "1"})
    result = vidi(tmp_path, "case", "list", first=switch, **env)
    assert result.returncode == EXIT_USAGE
    assert result.stderr.startswith("Traceback") and "ConfigError" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("error: VIDI_WORKERS")


def test_an_unexpected_exception_is_one_line_with_its_own_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(session: object) -> list[Case]:
        raise RuntimeError("a bug")

    monkeypatch.setattr("vidi.cases.list_cases", broken)
    result = CliRunner().invoke(app, ["--home", str(tmp_path), "case", "list"], env={})
    assert result.exit_code == EXIT_UNEXPECTED
    assert result.output.startswith("error: unexpected RuntimeError: a bug")
    assert "Traceback" not in result.output and len(result.output.splitlines()) == 1


def test_safe_text_makes_every_hidden_character_visible() -> None:
    assert safe_text("a\tb\r\n\x00\x7f\x9b\u2028\u202eé") == (
        "a\\tb\\r\\n\\x00\\x7f\\x9b\\u2028\\u202eé"
    )
