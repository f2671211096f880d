"""A command given --json reports its failure as one JSON document on stdout too.

Runs ``python -m vidi`` in a child process, as a script would, and reads stdout alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from vidi.cli.boundary import EXIT_FAILED, EXIT_NOT_FOUND, EXIT_USAGE


def vidi(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("VIDI_")}
    return subprocess.run(
        [sys.executable, "-m", "vidi", "--home", str(home), *args],
        env={**clean, "VIDI_WORKERS": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def json_error(result: subprocess.CompletedProcess[str], status: int) -> dict[str, Any]:
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr
    error = json.loads(result.stdout)["error"]
    assert error["exit_code"] == status
    assert "\n" not in error["message"]
    assert result.stderr.startswith("error:")
    return error  # type: ignore[no-any-return]


def test_hashlist_import_json_prints_a_bad_list_as_json(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"value": [{"Media": [{"MD5": "not-hex"}]}]}', encoding="utf-8")
    result = vidi(tmp_path / "home", "hashlist", "import", "--json", str(bad), "--name", "x")
    error = json_error(result, EXIT_FAILED)
    assert error["kind"] == "failed"
    assert "Media[0]" in error["message"] and "not hexadecimal" in error["message"]


def test_a_usage_error_with_json_is_json(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    result = vidi(tmp_path / "home", "hashlist", "import", str(missing), "--name", "x", "--json")
    error = json_error(result, EXIT_USAGE)
    assert error["kind"] == "usage" and "missing.json" in error["message"]


def test_a_missing_case_with_json_is_json(tmp_path: Path) -> None:
    result = vidi(tmp_path / "home", "report", "--case", "nobody", "--json")
    assert json_error(result, EXIT_NOT_FOUND)["kind"] == "not-found"


def test_without_json_stdout_stays_empty(tmp_path: Path) -> None:
    result = vidi(tmp_path / "home", "report", "--case", "nobody")
    assert result.returncode == EXIT_NOT_FOUND and result.stdout == ""
