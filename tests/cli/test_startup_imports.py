"""The command line starts without heavy libraries: each loads in the command that needs it.

A guard on what is imported, not on time (times vary by machine): each of these libraries
costs from a tenth of a second (Rich's Markdown) to over half a second (SQLAlchemy).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = [
    "sqlalchemy",
    "numpy",
    "PIL",
    "faiss",
    "cv2",
    "av",
    "rich.markdown",
    "rich.progress",
    "vidi.workbench",
    "celery",
]


SERVICES = [
    "alembic",
    "numpy",
    "PIL",
    "faiss",
    "cv2",
    "av",
    "rich.markdown",
    "rich.progress",
    "celery",
    "vidi.matching.casematch",
    "vidi.index",
    "vidi.objects.gallery",
    "vidi.media.examine",
]
"""What a command that only reads a few rows must not load: it needs SQLAlchemy and the
Workbench, but not the migrations (the schema is already at its head), the picture and
video libraries, the PDQ index or the services of other commands."""


def imported_after(code: str, watched: list[str] = HEAVY) -> list[str]:
    """Which of ``watched`` are in sys.modules after running ``code`` in a fresh interpreter."""
    probe = (
        f"{code}\nimport json, sys\nprint(json.dumps([m for m in {watched!r} if m in sys.modules]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    found: list[str] = json.loads(done.stdout.splitlines()[-1])
    return found


def run_vidi(*args: str) -> str:
    """Code that runs ``vidi ARGS`` in-process and swallows its exit."""
    return (
        "import sys\n"
        "from vidi.cli.main import app\n"
        f"sys.argv = ['vidi', *{list(args)!r}]\n"
        "try:\n"
        "    app()\n"
        "except SystemExit:\n"
        "    pass"
    )


def test_importing_the_command_line_loads_no_heavy_library() -> None:
    assert imported_after("import vidi.cli.main") == []


def test_vidi_help_loads_no_heavy_library() -> None:
    assert imported_after(run_vidi("--help")) == []


def test_a_subcommands_help_loads_no_heavy_library() -> None:
    assert imported_after(run_vidi("case", "list", "--help")) == []
    assert imported_after(run_vidi("report", "--help")) == []


def test_importing_the_workbench_loads_no_service_library() -> None:
    assert imported_after("import vidi.workbench", SERVICES) == []


def test_listing_cases_loads_neither_the_migrations_nor_other_commands_services(
    tmp_path: Path,
) -> None:
    home = str(tmp_path / "home")
    create = subprocess.run(
        [sys.executable, "-m", "vidi", "--home", home, "case", "create", "op-lark"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert create.returncode == 0, create.stderr
    code = run_vidi("--home", home, "case", "list", "--json") + "\nsys.stdout.flush()"
    found = imported_after(code, [*SERVICES, "sqlalchemy"])
    assert found == ["sqlalchemy"]  # it did read the database, without the rest


def test_the_probe_sees_a_heavy_library_when_one_is_loaded() -> None:
    assert imported_after("import sqlalchemy.exc") == ["sqlalchemy"]
