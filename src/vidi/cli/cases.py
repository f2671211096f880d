"""``vidi case create|list``."""

from __future__ import annotations

import typer

from vidi.cli.common import console, friendly_errors, print_json, workbench
from vidi.cli.display import styled

case_app = typer.Typer(help="Create and list cases.", no_args_is_help=True)


@case_app.command("create")
def create(
    ctx: typer.Context,
    name: str,
    country: str | None = typer.Option(None, help="Lead country, ISO 3166-1 alpha-2."),
    description: str | None = typer.Option(None),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Create a case."""
    with friendly_errors():
        case = workbench(ctx).create_case(name, country, description)
    if as_json:
        print_json(case.to_dict())
    else:
        console.print(styled("created case ", (name, "bold"), f" (id {case.id})"))


@case_app.command("list")
def list_(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """List cases."""
    from rich.table import Table

    found = workbench(ctx).cases()
    if as_json:
        print_json([c.to_dict() for c in found])
        return
    table = Table("id", "name", "country", "created")
    for case in found:
        table.add_row(
            str(case.id),
            case.name,
            case.country or "",
            case.created_at.isoformat(timespec="seconds"),
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(case_app, name="case")
