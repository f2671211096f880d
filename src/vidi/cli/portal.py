"""``vidi portal``: run the public Trace-an-Object site and export its tips.

This module imports only the portal and the bundle formats, never the case store: the
portal is meant to run on a machine that has no case data (docs/portal.md).
"""

from __future__ import annotations

import os
from pathlib import Path

import typer

portal_app = typer.Typer(help="The public Trace-an-Object portal.", no_args_is_help=True)
tips_app = typer.Typer(help="Tips received by the portal.", no_args_is_help=True)
portal_app.add_typer(tips_app, name="tips")


def default_data() -> Path:
    import platformdirs  # here: only the portal commands need it

    return Path(platformdirs.user_data_dir("vidi-portal"))


@portal_app.command("serve")
def serve(
    bundle: Path = typer.Option(..., "--bundle", help="The publication bundle folder."),
    data: Path | None = typer.Option(
        None, "--data", help="The portal's own folder: tip database and keys."
    ),
    publisher_key: Path | None = typer.Option(
        None,
        "--publisher-key",
        help="The workbench's publication.pub (default: DATA/trusted/publication.pub).",
    ),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8080, "--port", min=1, max=65535),
    tips_per_object_per_hour: int = typer.Option(20, min=1, help="Per-object tip budget."),
    tips_per_minute: int = typer.Option(60, min=1, help="Tip budget for the whole portal."),
    pow_max_number: int = typer.Option(
        50_000, min=1000, help="Proof-of-work difficulty: the browser tries half of it on average."
    ),
) -> None:
    """Verify the bundle, then serve the public site (access log off)."""
    from vidi.portal.server import serve as run
    from vidi.portal.settings import Limits, PortalSettings

    limits = Limits(
        tips_per_object_per_hour=tips_per_object_per_hour,
        tips_per_minute=tips_per_minute,
        pow_max_number=pow_max_number,
    )
    settings = PortalSettings.create(bundle, data or default_data(), publisher_key, limits)
    run(settings, os.environ, host, port)


@tips_app.command("export")
def export(
    out: Path = typer.Argument(..., help="A new folder for the signed tip bundle."),
    data: Path | None = typer.Option(None, "--data", help="The portal's own folder."),
    everything: bool = typer.Option(
        False, "--all", help="Export every tip again, not only those not exported yet."
    ),
) -> None:
    """Write the tips not exported yet as a signed bundle for `vidi tips import`."""
    from vidi.portal.server import export_tips

    result = export_tips(data or default_data(), out, everything)
    typer.echo(
        f"{result.tips} tips written to {result.out}, signed by {result.fingerprint[:16]}… "
        f"(the workbench must trust {result.public_key})"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(portal_app, name="portal")
