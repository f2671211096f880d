"""``vidi series create|add|list|show|merge|split|proposals``: series of a case.

A series is media an investigator judges to belong together; ``vidi place --series
ID`` estimates it. Each command is one Workbench call (the local user is the actor in
the audit trail) and takes ``--json``.
"""

from __future__ import annotations

import typer

from vidi.cli.common import console, friendly_errors, print_json, workbench
from vidi.cli.display import styled

series_app = typer.Typer(help="Series of a case: media that belong together.", no_args_is_help=True)

CASE = typer.Option(..., "--case", help="The case the series belongs to.")


@series_app.command("create")
def create(
    ctx: typer.Context,
    name: str,
    case: str = CASE,
    media: list[str] = typer.Option([], "--media", help="A SHA-256 to put in it (repeat)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Create a series in CASE, optionally with media."""
    with friendly_errors():
        bench = workbench(ctx)
        created = bench.create_series(case, name)
        if media:
            bench.add_to_series(case, created.id, media)
        shown = bench.series_page(case, created.id).series
    if as_json:
        print_json(shown.to_dict())
        return
    console.print(
        styled("series ", (f"#{shown.id}", "bold"), f" {shown.name}: {shown.media} media")
    )


@series_app.command("add")
def add(
    ctx: typer.Context,
    series: int,
    media: list[str],
    case: str = CASE,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Add one or many media items (SHA-256s) of the case to SERIES."""
    with friendly_errors():
        change = workbench(ctx).add_to_series(case, series, media)
    if as_json:
        print_json(change.to_dict())
        return
    console.print(f"added {len(change.media)} media to series #{series}")


@series_app.command("list")
def list_series(
    ctx: typer.Context, case: str = CASE, as_json: bool = typer.Option(False, "--json")
) -> None:
    """The series of CASE (merged ones left out)."""
    from rich.table import Table

    with friendly_errors():
        found = workbench(ctx).series_list(case)
    if as_json:
        print_json([s.to_dict() for s in found])
        return
    table = Table("id", "name", "media", "made by")
    for s in found:
        table.add_row(str(s.id), s.name, str(s.media), s.created_by)
    console.print(table)


@series_app.command("show")
def show(
    ctx: typer.Context, series: int, case: str = CASE, as_json: bool = typer.Option(False, "--json")
) -> None:
    """A series' media, clue summary and its own country estimate with reasons."""
    with friendly_errors():
        page = workbench(ctx).series_page(case, series)
    if as_json:
        print_json(page.to_dict())
        return
    info = page.series
    console.print(styled("series ", (f"#{info.id}", "bold"), f" {info.name}: {info.media} media"))
    for sha in page.media:
        console.print(f"  {sha}")
    for clue in page.clues[:20]:
        rejected = " (rejected)" if clue.rejected else ""
        console.print(f"  clue {clue.kind} {clue.value!r} on {clue.media} media{rejected}")
    console.print(page.estimate.note)
    for place in page.estimate.ranked[:5]:
        console.print(f"  {place.country} {place.probability:.1%}")
    if page.proposals:
        console.print(
            f"{page.proposals} proposed members: vidi series proposals {info.id} --case {case}"
        )


@series_app.command("merge")
def merge(
    ctx: typer.Context,
    into: int,
    other: int,
    case: str = CASE,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Move OTHER's media into INTO (OTHER then points to INTO)."""
    with friendly_errors():
        change = workbench(ctx).merge_series(case, into, other)
    if as_json:
        print_json(change.to_dict())
        return
    console.print(f"series #{other} merged into #{into} ({len(change.media)} media)")


@series_app.command("split")
def split(
    ctx: typer.Context,
    series: int,
    media: list[str],
    name: str = typer.Option(..., "--name", help="The new series' name."),
    case: str = CASE,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Move the named media of SERIES to a new series called NAME."""
    with friendly_errors():
        change = workbench(ctx).split_series(case, series, media, name)
    if as_json:
        print_json(change.to_dict())
        return
    console.print(f"{len(change.media)} media moved to new series #{change.other_series_id}")


@series_app.command("proposals")
def proposals(
    ctx: typer.Context,
    series: int,
    case: str = CASE,
    accept: list[int] = typer.Option([], "--accept", help="A proposal id to accept (repeat)."),
    reject: list[int] = typer.Option([], "--reject", help="A proposal id to reject (repeat)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Media Vidi proposes for SERIES, with reasons; --accept / --reject answer them."""
    with friendly_errors():
        bench = workbench(ctx)
        for chosen, verdict in [(p, True) for p in accept] + [(p, False) for p in reject]:
            bench.decide_proposal(case, series, chosen, verdict)
        found = bench.series_proposals(case, series)
    if as_json:
        print_json([p.to_dict() for p in found])
        return
    if not found:
        console.print("no open proposals")
    for p in found:
        why = "; ".join(f"{r.kind}: {r.detail}" for r in p.reasons)
        console.print(f"  #{p.id} {p.media_sha256[:16]}…  {why}")


def register(app: typer.Typer) -> None:
    app.add_typer(series_app, name="series")
