"""The portal cannot reach case data: no import path to it, no setting for it, no connection.

The import walk reads the source with ``ast`` (so an import inside a function counts
too) and follows every ``vidi`` module it reaches, transitively.
"""

from __future__ import annotations

import ast
import dataclasses
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from portal_fixtures import PortalSetup, make_client, tip_form

from vidi.errors import ConfigError
from vidi.portal.server import serve
from vidi.portal.settings import PortalSettings, check_apart_from_case_data

SRC = Path(__file__).resolve().parents[2] / "src"
FORBIDDEN = ("vidi.store", "vidi.ingest", "vidi.workbench", "vidi.matching")
ROOTS = ["vidi.cli.portal", "vidi.bundles"] + [
    f"vidi.portal.{path.stem}" for path in (SRC / "vidi" / "portal").glob("*.py")
]


def module_file(name: str) -> Path | None:
    base = SRC.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def vidi_imports(name: str, tree: ast.Module, everywhere: bool) -> set[str]:
    """The vidi modules ``name`` imports: all of them, or only those run at import time."""
    nodes = ast.walk(tree) if everywhere else iter(tree.body)
    found: set[str] = set()
    package = (
        name
        if module_file(name) == SRC.joinpath(*name.split("."), "__init__.py")
        else (name.rpartition(".")[0])
    )
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {m for m in found if m.startswith("vidi") and module_file(m) is not None}


def reachable(roots: list[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        parts = name.split(".")
        parents = [".".join(parts[:i]) for i in range(1, len(parts))]
        path = module_file(name)
        assert path is not None, name
        tree = ast.parse(path.read_text(), str(path))
        # Portal code: every import, even inside a function. Other vidi code (a parent
        # package, vidi.errors): what runs when it is imported.
        ours = name.startswith(("vidi.portal", "vidi.bundles", "vidi.cli.portal"))
        todo.extend(vidi_imports(name, tree, everywhere=ours))
        todo.extend(p for p in parents if p not in seen)
    return seen


def test_the_portal_imports_nothing_from_case_data_code_even_indirectly() -> None:
    modules = reachable(ROOTS)
    assert "vidi.portal.app" in modules and "vidi.bundles.signing" in modules
    assert sorted(m for m in modules if m.startswith(FORBIDDEN)) == []


def test_the_walk_would_notice_a_forbidden_import() -> None:
    tree = ast.parse("def later():\n    from vidi.store import db\n")
    assert "vidi.store" in vidi_imports("vidi.portal.fake", tree, everywhere=True)


def test_importing_the_portal_loads_no_case_data_module() -> None:
    code = (
        "import sys, vidi.cli.portal, vidi.portal.server, vidi.portal.app;"
        "print('\\n'.join(m for m in sys.modules if m.startswith('vidi')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "vidi.portal.app" in loaded
    assert [m for m in loaded if m.startswith(FORBIDDEN) or m == "sqlalchemy"] == []


def test_the_settings_have_no_database_url() -> None:
    names = [field.name for field in dataclasses.fields(PortalSettings)]
    assert not [n for n in names if "database" in n or "url" in n or "dsn" in n]


def test_the_portal_cannot_be_started_with_a_case_database_url(
    portal_setup: PortalSetup, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from vidi.cli.main import app

    url = f"sqlite:///{tmp_path / 'vidi.db'}"
    run = CliRunner().invoke(
        app, ["portal", "serve", "--bundle", str(portal_setup.bundle), "--database-url", url]
    )
    assert run.exit_code == 2 and "--database-url" in run.output
    with pytest.raises(ConfigError, match="looks like a URL"):
        PortalSettings.create(portal_setup.bundle, Path(url))
    settings = portal_setup.settings()
    with pytest.raises(ConfigError, match="VIDI_DATABASE_URL is set"):
        serve(settings, {"VIDI_DATABASE_URL": url}, "127.0.0.1", 9)
    case_db = portal_setup.data / "vidi.db"
    sqlite3.connect(case_db).close()
    with pytest.raises(ConfigError, match=r"holds a database \(vidi.db\)"):
        check_apart_from_case_data(settings, {})


def test_a_working_portal_opens_no_database_but_its_own(
    portal_setup: PortalSetup, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlalchemy

    opened: list[str] = []
    real_connect = sqlite3.connect

    def recording_connect(database, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(str(database))
        return real_connect(database, *args, **kwargs)

    def recording_engine(url, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(f"engine {url}")
        raise AssertionError("the portal must not create an SQLAlchemy engine")

    monkeypatch.setattr(sqlite3, "connect", recording_connect)
    monkeypatch.setattr(sqlalchemy, "create_engine", recording_engine)
    monkeypatch.setattr(sqlalchemy.engine, "create_engine", recording_engine)
    client = make_client(portal_setup)
    client.get("/")
    assert client.post("/objects/toy-004/tips", data=tip_form(client)).status_code == 200
    assert opened == [str(portal_setup.data / "tips.sqlite3")]


def test_a_tampered_bundle_stops_the_portal_with_one_line(portal_setup: PortalSetup) -> None:
    crop = portal_setup.bundle / "crops" / "toy-004.png"
    data = bytearray(crop.read_bytes())
    data[-20] ^= 0xFF
    crop.write_bytes(bytes(data))
    command = [
        sys.executable,
        "-m",
        "vidi",
        "portal",
        "serve",
        "--port",
        "9",
        "--bundle",
        str(portal_setup.bundle),
        "--data",
        str(portal_setup.data),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert "refused: crops/toy-004.png does not match its SHA-256" in done.stderr
