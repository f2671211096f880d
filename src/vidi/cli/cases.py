"""``vidi case create|list``."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from vidi.cases import create_case, list_cases
from vidi.cli.common import console, friendly_errors, print_json, state
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
    with friendly_errors(), state(ctx).db.session() as session:
        case = create_case(session, name, country, description)
        data = {"id": case.id, "name": case.name, "country": case.country}
    if as_json:
        print_json(data)
    else:
        console.print(styled("created case ", (name, "bold"), f" (id {data['id']})"))


@case_app.command("list")
def list_(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """List cases."""
    with state(ctx).db.session() as session:
        rows: list[dict[str, Any]] = [
            {"id": c.id, "name": c.name, "country": c.country, "created_at": c.created_at}
            for c in list_cases(session)
        ]
    if as_json:
        print_json(rows)
        return
    table = Table("id", "name", "country", "created")
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["name"],
            row["country"] or "",
            row["created_at"].isoformat(timespec="seconds"),
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(case_app, name="case")
