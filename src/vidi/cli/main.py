"""The ``vidi`` command: a thin skin over the service functions."""

from __future__ import annotations

from pathlib import Path

import typer

from vidi.cli import audit, cases, clues, demo, ingest, known, ops, portal, publish, web
from vidi.cli import jobs as jobs_cli
from vidi.cli import objects as objects_cli
from vidi.cli import series as series_cli
from vidi.cli.boundary import VidiGroup

app = typer.Typer(
    help="Vidi: ingest seized collections, know what is known, find clues, place.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=VidiGroup,  # failures become one line and a documented exit status
)


@app.callback()
def main(
    ctx: typer.Context,
    home: Path | None = typer.Option(
        None, "--home", envvar="VIDI_HOME", help="Data folder (database, thumbnails, index)."
    ),
    debug: bool = typer.Option(
        False, "--debug", envvar="VIDI_DEBUG", help="Show the traceback of a failure."
    ),
) -> None:
    from vidi.cli.common import State, show_notices

    show_notices()
    ctx.obj = State(home)


cases.register(app)
ingest.register(app)
demo.register(app)
known.register(app)
clues.register(app)
audit.register(app)
portal.register(app)
publish.register(app)
ops.register(app)
web.register(app)
jobs_cli.register(app)
series_cli.register(app)
objects_cli.register(app)
