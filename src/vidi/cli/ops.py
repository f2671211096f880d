"""``vidi doctor``, ``vidi backup``, ``vidi restore`` and ``vidi index serve``."""

from __future__ import annotations

from pathlib import Path

import typer

from vidi.cli.common import console, friendly_errors, print_json, workbench

index_app = typer.Typer(help="The PDQ index shared by a team.", no_args_is_help=True)


def doctor(ctx: typer.Context, as_json: bool = typer.Option(False, "--json")) -> None:
    """Check the database, schema, index, thumbnails, audit chain and free space."""
    with friendly_errors():
        report = workbench(ctx).doctor()
    if as_json:
        print_json(report.to_dict())
    else:
        for finding in report.findings:
            console.print(f"{finding.level.value:7} {finding.check:10} {finding.message}")
    if not report.ok:
        raise typer.Exit(1)


def backup(
    ctx: typer.Context,
    out: Path = typer.Argument(..., help="A new folder for the backup."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Back up the database, thumbnails, index and audit anchor, with a SHA-256 manifest."""
    with friendly_errors():
        result = workbench(ctx).backup(out)
    if as_json:
        print_json(result.to_dict())
        return
    console.print(f"backed up {result.files:,} files ({result.bytes:,} bytes) to {result.folder}")
    if not result.index_included:
        console.print("the PDQ index was in use and is not included; restore rebuilds it")
    console.print(f"fingerprint {result.fingerprint}: keep it apart from the backup")


def restore(
    ctx: typer.Context,
    backup_folder: Path = typer.Argument(..., exists=True, file_okay=False),
    force: bool = typer.Option(False, "--force", help="Replace the data this home holds."),
    expect: str | None = typer.Option(
        None, "--expect", help="The fingerprint 'vidi backup' printed."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Check a backup's every file against its manifest, then restore it into this home."""
    with friendly_errors():
        result = workbench(ctx).restore(backup_folder, force=force, expect=expect)
    if as_json:
        print_json(result.to_dict())
        return
    console.print(f"restored {result.files:,} files ({result.bytes:,} bytes) into {result.home}")


@index_app.command("serve")
def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (private!)."),
    port: int = typer.Option(8765, "--port", min=0, max=65535),
    sync_every: float = typer.Option(30.0, "--sync-every", min=1.0, help="Seconds."),
) -> None:
    """Serve the known-hash PDQ index to workers that set VIDI_INDEX_URL."""
    with friendly_errors():
        server = workbench(ctx).index_server(host, port, sync_every)
    console.print(f"serving the PDQ index at {server.url} ({len(server.index):,} hashes)")
    try:
        server.serve_forever()
    finally:
        server.server_close()


def register(app: typer.Typer) -> None:
    app.command()(doctor)
    app.command()(backup)
    app.command()(restore)
    app.add_typer(index_app, name="index")
