"""``vidi hashlist``, ``match``, ``lookup``, ``groups``, ``export``, ``category``.

Thin skins over the Workbench: parse, call, print a table or ``--json``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from vidi.cli.common import console, errors, friendly_errors, print_json, workbench
from vidi.cli.display import styled
from vidi.errors import VidiError

if TYPE_CHECKING:
    from vidi.matching import LookupResult
    from vidi.matching.review import MediaStatus

hashlist_app = typer.Typer(help="Import and list hash lists (VICS, CSV, NSRL).")
category_app = typer.Typer(help="Categories investigators set on media.")


@hashlist_app.command("import")
def hashlist_import(
    ctx: typer.Context,
    file: Path = typer.Argument(..., exists=True, dir_okay=False),
    name: str = typer.Option(..., "--name", help="The list's name; a new file replaces it."),
    format: str | None = typer.Option(None, "--format", help="vics, csv or nsrl (default: tell)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Import a hash list in one transaction: all of it, or nothing when a record is bad."""
    from vidi.cli.progress import CountProgress

    progress = None if quiet or as_json else CountProgress(f"import {name}")
    with friendly_errors():
        result = workbench(ctx).import_hashlist(file, name, format, progress=progress)
    if as_json:
        print_json(result.to_dict())
        return
    console.print(
        f"hash list {result.name!r} ({result.format}): {result.status}, "
        f"{result.entries:,} entries, {result.indexed:,} PDQ hashes indexed, "
        f"{result.matches:,} matches with stored media"
        + (", ignorable (known-benign)" if result.ignorable else "")
    )


@hashlist_app.command("list")
def hashlist_list(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """The imported hash lists."""
    with friendly_errors():
        lists = workbench(ctx).hashlists()
    if as_json:
        print_json([h.to_dict() for h in lists])
        return
    from rich.table import Table

    table = Table("id", "name", "format", "entries", "ignorable", "imported", "sha256")
    for h in lists:
        table.add_row(
            str(h.id),
            h.name,
            h.format,
            f"{h.entries:,}",
            "yes" if h.ignorable else "",
            h.imported_at,
            h.file_sha256[:16],
        )
    console.print(table)


def match(
    ctx: typer.Context,
    case: str = typer.Option(..., "--case"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Match every media item of the case again (exact and near), then regroup."""
    from vidi.cli.progress import CountProgress

    progress = None if quiet or as_json else CountProgress(f"match {case}")
    with friendly_errors():
        summary = workbench(ctx).match(case, progress=progress)
    if as_json:
        print_json(summary.to_dict())
        return
    console.print(
        f"case {summary.case}: {summary.media} media matched, {summary.matches} matches, "
        f"{summary.groups_changed} group assignments changed"
        + (" (index rebuilt)" if summary.index_rebuilt else "")
    )


def lookup(
    ctx: typer.Context,
    file: Path | None = typer.Argument(None, exists=True, dir_okay=False),
    pdq: str | None = typer.Option(None, "--pdq", help="Look up a PDQ hash (64 hex)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """What a file or a PDQ hash matches: lists, cases and categories, nearest first."""
    with friendly_errors():
        if (file is None) == (pdq is None):
            raise VidiError("give a FILE or --pdq HEX (one of them)")
        if file is not None:
            result = workbench(ctx).lookup_file(file)
        else:
            assert pdq is not None
            result = workbench(ctx).lookup_pdq(pdq)
    if as_json:
        print_json(result.to_dict())
        return
    render_lookup(result)


def render_lookup(result: LookupResult) -> None:
    for note in result.notes:
        errors.print(styled(("note:", "yellow"), " ", note), soft_wrap=True)
    if result.seen_in_cases:
        console.print(f"this exact content is in cases: {', '.join(result.seen_in_cases)}")
    if not result.hits:
        console.print("no match in the hash lists or stored media")
        return
    from rich.table import Table

    table = Table("kind", "distance", "list / media", "cases", "category")
    for hit in result.hits:
        what = hit.list_name or (hit.sha256 or "")[:16]
        if hit.frame_number is not None:
            what += f" frame {hit.frame_number}"
        table.add_row(hit.kind, f"{hit.distance:g}", what, ", ".join(hit.cases), hit.category or "")
    console.print(table)


def groups(
    ctx: typer.Context,
    case: str = typer.Option(..., "--case"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Near-duplicate groups of the case: a representative and its members."""
    with friendly_errors():
        found = workbench(ctx).groups(case)
    if as_json:
        print_json([g.to_dict() for g in found])
        return
    from rich.table import Table

    table = Table("group", "members", "representative", "quality", "size")
    for g in found:
        rep = g.representative
        table.add_row(
            g.id[:16],
            str(len(g.members)),
            rep.sha256[:16],
            str(rep.pdq_quality or ""),
            f"{rep.width}x{rep.height}" if rep.width else "",
        )
    console.print(table)


def export(
    ctx: typer.Context,
    out: Path = typer.Argument(..., dir_okay=False, help="File to write."),
    case: str = typer.Option(..., "--case"),
    format: str = typer.Option("vics", "--format", help="vics (JSON 2.0) or csv."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Write the case's media with hashes and categories as a hash list (audited)."""
    with friendly_errors():
        result = workbench(ctx).export(case, out, format)
    if as_json:
        print_json(result.to_dict())
        return
    console.print(f"wrote {result.media} media of case {case} to {out} ({format})")


@category_app.command("set")
def category_set(
    ctx: typer.Context,
    category: str = typer.Argument(..., help="A category word, vics-<n>, or none to clear."),
    media: str = typer.Option(..., "--media", help="The media item's SHA-256."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Set an investigator's category on a media item (audited)."""
    with friendly_errors():
        result = workbench(ctx).set_category(media, category)
    if as_json:
        print_json(result.to_dict())
        return
    console.print(f"media {media[:16]}: category {result.category or 'cleared'}")


def print_new_first(items: list[MediaStatus], as_json: bool) -> None:
    """``vidi report --new-first``: the case's new media in review order."""
    if as_json:
        print_json([m.to_dict() for m in items])
        return
    from rich.table import Table

    table = Table("#", "status", "sha256", "path", "group", "quality", "nearest known")
    for number, m in enumerate(items, start=1):
        table.add_row(
            str(number),
            m.status,
            m.sha256[:16],
            m.path or "",
            (m.group_id or "")[:12],
            str(m.pdq_quality or ""),
            "" if m.nearest_known is None else f"{m.nearest_known:g}",
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(hashlist_app, name="hashlist")
    app.command()(match)
    app.command()(lookup)
    app.command()(groups)
    app.command()(export)
    app.add_typer(category_app, name="category")
