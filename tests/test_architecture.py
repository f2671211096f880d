"""Dependencies point one way: the import graph of vidi's layers, checked from the source.

Every module under ``src/vidi`` is read with :mod:`ast` (nothing is imported) and each
``import vidi.x…`` / ``from vidi.x… import …`` becomes an edge between layers, where a
layer is a subpackage or top-level module (``media``, ``ingest``, ``config``). Lazy
imports inside functions count: they are dependencies all the same. A rule is one line
in :data:`FORBIDDEN`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "vidi"

SERVICES_THAT_WORK = frozenset(
    {"ingest", "clues", "hashlists", "cases", "search", "home_status", "demo", "workers"}
    | {"distributed"}
)
"""Layers that run workflows or queries: the command line reaches them through the Workbench."""
SERVICES = SERVICES_THAT_WORK | frozenset(
    {"matching", "places", "estimates", "report", "audit", "sources", "media", "fingerprints"}
    | {"index", "store", "publications"}
)
"""Every layer below the Workbench."""

FORBIDDEN: tuple[tuple[str, frozenset[str], str], ...] = (
    (
        "media",
        frozenset({"ingest", "matching", "clues", "places", "store", "cli", "web"}),
        "decoding is the floor: it knows nothing of the stages above it",
    ),
    ("fingerprints", frozenset({"store", "media", "ingest"}), "pure: arrays in, hashes out"),
    ("places", frozenset({"store"}), "evidence tables and fusion need no database"),
    (
        "places",
        frozenset({"clues", "estimates", "matching"}),
        "the clue-kind table lives in places: clues and estimates read it, never the reverse",
    ),
    (
        "hashlists",
        frozenset({"matching", "store", "ingest", "index", "cases", "media"}),
        "a format reads and writes files: no database, no matching",
    ),
    (
        "sources",
        frozenset({"media", "ingest", "matching", "clues", "places", "hashlists", "store"}),
        "where files come from knows nothing of what is done with them",
    ),
    ("clues", frozenset({"ingest"}), "extractors decode through media/, not the pipeline"),
    ("matching", frozenset({"ingest"}), "matching reads files through media/, not the pipeline"),
    (
        "cli",
        frozenset(SERVICES_THAT_WORK | {"store", "media", "fingerprints", "index", "sources"}),
        "a command parses, makes one Workbench call and renders; the Workbench runs workflows",
    ),
    *(
        (service, frozenset({"workbench", "cli", "web"}), "services never call their callers")
        for service in sorted(SERVICES)
    ),
    (
        "store",
        frozenset(SERVICES - {"store", "sources", "audit"} | {"workbench", "cli", "web"}),
        "the database layer knows nothing of the workflows that use it",
    ),
)
"""(layer, layers it must not import, why).

The command line may still name result types of ``matching``, ``estimates``,
``report``, ``places``, ``publications`` and ``audit`` (for annotations) and read
``places``' evidence tables; everything that does work it reaches through ``vidi.workbench``.
"""


def layer_of(module: str) -> str | None:
    """``vidi.ingest.worker`` → ``ingest``; None for modules outside vidi."""
    parts = module.split(".")
    if parts[0] != "vidi" or len(parts) < 2:
        return None
    return parts[1]


def imported_modules(tree: ast.AST, package: str) -> Iterable[str]:
    """Absolute names of the vidi modules a parsed module imports (relative ones resolved)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                yield ".".join([*base, node.module] if node.module else base)
            elif node.module:
                yield node.module
                # ``from vidi import audit`` names the layer in the alias
                if node.module == "vidi":
                    yield from (f"vidi.{alias.name}" for alias in node.names)


def import_graph(src: Path = SRC) -> dict[str, set[str]]:
    """Layer → the other layers it imports, from every ``.py`` file under ``src``."""
    graph: dict[str, set[str]] = {}
    for path in sorted(src.rglob("*.py")):
        relative = path.relative_to(src.parent).with_suffix("")
        parts = list(relative.parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        module = ".".join(parts)
        package = module if is_package else ".".join(parts[:-1])
        own = layer_of(module)
        if own is None:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for name in imported_modules(tree, package):
            other = layer_of(name)
            if other is not None and other != own:
                graph.setdefault(own, set()).add(other)
    return graph


def violations(graph: Mapping[str, set[str]]) -> list[str]:
    """One line per forbidden edge in ``graph``."""
    found = []
    for layer, banned, why in FORBIDDEN:
        for other in sorted(graph.get(layer, set()) & banned):
            found.append(f"{layer} imports {other} ({why})")
    return found


def test_the_layers_import_only_downwards() -> None:
    assert violations(import_graph()) == []


def test_an_upward_import_is_caught() -> None:
    graph = {"media": {"config", "ingest"}, "clues": {"media"}, "fingerprints": {"store"}}
    assert violations(graph) == [
        "media imports ingest (decoding is the floor: it knows nothing of the stages above it)",
        "fingerprints imports store (pure: arrays in, hashes out)",
    ]


def test_the_graph_sees_lazy_and_relative_imports(tmp_path: Path) -> None:
    package = tmp_path / "vidi"
    (package / "media").mkdir(parents=True)
    (package / "media" / "__init__.py").write_text("")
    (package / "media" / "late.py").write_text(
        "def f():\n    from vidi.ingest import worker\n\nfrom ..store import db\n"
    )
    (package / "clues.py").write_text("from vidi import media\n")
    assert import_graph(package) == {"media": {"ingest", "store"}, "clues": {"media"}}


def test_a_command_that_queries_the_database_is_caught() -> None:
    graph = {"cli": {"workbench", "results", "store"}, "report": {"cli"}, "store": {"matching"}}
    assert violations(graph) == [
        "cli imports store (a command parses, makes one Workbench call and renders; "
        "the Workbench runs workflows)",
        "report imports cli (services never call their callers)",
        "store imports matching (the database layer knows nothing of the workflows that use it)",
    ]


def test_every_layer_named_in_a_rule_exists() -> None:
    layers = {p.stem if p.is_file() else p.name for p in SRC.iterdir() if p.name != "__pycache__"}
    named = {layer for layer, _, _ in FORBIDDEN} - {"web"}
    assert named <= layers
