"""``vidi serve``, ``vidi user add|passwd|list`` and ``vidi case member add``.

The web workbench and the accounts it signs in. A new user gets a one-time password,
printed once here; they choose their own at the first sign-in.
"""

from __future__ import annotations

import typer

from vidi.cli.common import console, friendly_errors, print_json, workbench
from vidi.cli.display import styled

user_app = typer.Typer(help="Users of the web workbench.", no_args_is_help=True)
member_app = typer.Typer(help="Who may see a case in the web workbench.", no_args_is_help=True)


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8080, "--port", min=1, max=65535),
    workers: int = typer.Option(
        0,
        "--workers",
        min=0,
        max=64,
        help="Server processes (0: one per CPU core up to 4 on PostgreSQL, 1 on SQLite).",
    ),
) -> None:
    """Run the investigators' web workbench (no request log; sign-ins are audited)."""
    import os

    import uvicorn

    from vidi.web import create_app
    from vidi.web.serving import default_workers

    with friendly_errors():
        bench = workbench(ctx)
        bench.users()  # opens (and upgrades) the database now: a bad setting is one line
        app = create_app(bench)
    chosen = workers or default_workers(bench.settings.database_url)
    processes = f" ({chosen} processes)" if chosen > 1 else ""
    console.print(styled("Vidi workbench on ", (f"http://{host}:{port}/", "bold"), processes))
    # The access log would write every client address; the audit trail records what matters.
    if chosen == 1:
        uvicorn.run(app, host=host, port=port, access_log=False, server_header=False)
        return
    bench.close()
    os.environ["VIDI_HOME"] = str(bench.settings.home)  # what each worker process opens
    uvicorn.run(
        "vidi.web.serving:app_from_environment",
        factory=True,
        workers=chosen,
        host=host,
        port=port,
        access_log=False,
        server_header=False,
    )


@user_app.command("add")
def add_user(
    ctx: typer.Context,
    name: str,
    role: str = typer.Option(..., "--role", help="admin, investigator or viewer."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Add a user; prints a one-time password, changed at the first sign-in."""
    with friendly_errors():
        created = workbench(ctx).add_user(name, role)
    show_password(created.to_dict(), as_json)


@user_app.command("passwd")
def passwd(ctx: typer.Context, name: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Give NAME a new one-time password (their sessions end)."""
    with friendly_errors():
        reset = workbench(ctx).reset_password(name)
    show_password(reset.to_dict(), as_json)


@user_app.command("list")
def list_users(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """List users and their roles."""
    from rich.table import Table

    found = workbench(ctx).users()
    if as_json:
        print_json([u.to_dict() for u in found])
        return
    table = Table("name", "role", "totp", "password")
    for user in found:
        owed = "one-time" if user.must_change_password else "chosen"
        table.add_row(user.name, user.role.value, "on" if user.totp else "off", owed)
    console.print(table)


@member_app.command("add")
def add_member(
    ctx: typer.Context, case: str, user: str, as_json: bool = typer.Option(False, "--json")
) -> None:
    """Let USER see CASE in the web workbench."""
    with friendly_errors():
        membership = workbench(ctx).add_member(case, user)
    if as_json:
        print_json(membership.to_dict())
        return
    already = "" if membership.added else " (already a member)"
    console.print(styled((user, "bold"), " may see case ", (case, "bold"), already))


def show_password(created: dict[str, object], as_json: bool) -> None:
    if as_json:
        print_json(created)
        return
    user = created["user"]
    assert isinstance(user, dict)
    console.print(
        styled("user ", (str(user["name"]), "bold"), f" ({user['role']}): one-time password ")
    )
    console.print(str(created["password"]))
    console.print("It is shown once; a new password is chosen at the first sign-in.")


def register(app: typer.Typer) -> None:
    from vidi.cli.cases import case_app

    app.command()(serve)
    app.add_typer(user_app, name="user")
    case_app.add_typer(member_app, name="member")
