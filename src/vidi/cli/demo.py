"""``vidi demo``: generate a benign collection, ingest it into a demo case, show the report."""

from __future__ import annotations

from pathlib import Path

import typer

from vidi.cli.common import console, friendly_errors, workbench


def demo(
    ctx: typer.Context,
    data: Path = typer.Option(Path("demo-data"), help="Where the generated collection goes."),
    images: int = typer.Option(2000, help="Pictures to generate."),
    videos: int = typer.Option(4, help="Short videos to generate."),
    seed: int = typer.Option(7, help="Same seed, same collection."),
    case: str = typer.Option("demo", help="Case to ingest into."),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
    clues: bool = typer.Option(True, "--clues/--no-clues", help="Also extract clues."),
    clue_budget: int = typer.Option(
        150, help="Media to extract clues from now (new first); 'vidi extract' does the rest."
    ),
) -> None:
    """Generate a benign demo seizure (rooms and objects, no people) and ingest it."""
    from vidi.cli.ingest import render_report
    from vidi.cli.progress import CountProgress, RichProgress

    def announce() -> None:
        console.print(f"generating {images} pictures and {videos} videos into {data} …")

    with friendly_errors():
        outcome = workbench(ctx).demo(
            data,
            images=images,
            videos=videos,
            seed=seed,
            case=case,
            clues=clues,
            clue_budget=clue_budget,
            on_generate=announce,
            progress=None if quiet else RichProgress(),
            clue_progress=None if quiet else CountProgress("clues"),
        )
    render_report(outcome.report)
    show_web_workbench(ctx, case)


def show_web_workbench(ctx: typer.Context, case: str) -> None:
    """How to browse the demo case now: the serve command and the admin's first password."""
    import shlex

    bench = workbench(ctx)
    with friendly_errors():
        admin = bench.demo_admin(case)
    home = shlex.quote(str(bench.settings.home))
    console.print()  # a blank line: the console escapes a "\n" inside a string
    console.print(f"Browse the case in the web workbench:  vidi --home {home} serve")
    if admin is None:
        console.print(f"sign in as admin (a new password: vidi --home {home} user passwd admin)")
    else:
        console.print(f"sign in as admin with the one-time password  {admin.password}")


def register(app: typer.Typer) -> None:
    app.command()(demo)
