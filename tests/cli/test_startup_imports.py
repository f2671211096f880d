"""The command line starts without heavy libraries: each loads in the command that needs it.

A guard on what is imported, not on time (times vary by machine): each of these libraries
costs from a tenth of a second (Rich's Markdown) to over half a second (SQLAlchemy).
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = [
    "sqlalchemy",
    "numpy",
    "PIL",
    "faiss",
    "cv2",
    "av",
    "rich.markdown",
    "vidi.workbench",
    "celery",
]


def imported_after(code: str) -> list[str]:
    """Which of HEAVY are in sys.modules after running ``code`` in a fresh interpreter."""
    probe = (
        f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    found: list[str] = json.loads(done.stdout.splitlines()[-1])
    return found


def test_importing_the_command_line_loads_no_heavy_library() -> None:
    assert imported_after("import vidi.cli.main") == []


def test_vidi_help_loads_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "from vidi.cli.main import app\n"
        "sys.argv = ['vidi', '--help']\n"
        "try:\n"
        "    app()\n"
        "except SystemExit:\n"
        "    pass"
    )
    assert imported_after(code) == []


def test_the_probe_sees_a_heavy_library_when_one_is_loaded() -> None:
    assert imported_after("import sqlalchemy.exc") == ["sqlalchemy"]
