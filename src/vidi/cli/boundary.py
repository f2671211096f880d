"""The command line's one error boundary: every failure is one line and an exit status.

Commands raise; nothing below the boundary prints errors or picks exit codes. The root
command group (:class:`VidiGroup`) turns what escapes a command into ``error: <one
line>`` on stderr and the status from this table; ``--debug`` (or ``VIDI_DEBUG=1``) also
prints the traceback.

====  ===========================================================================
code  meaning
====  ===========================================================================
0     done
1     the operation failed (a Vidi error with no more specific code below)
2     bad usage: unknown option, bad value, bad setting (ConfigError, InvalidInput)
3     the database cannot be reached or used (DatabaseUnavailable)
4     a folder or file cannot be used: the home is not a folder or read-only, a
      name is too long, permission is denied (HomeUnusable, OSError)
5     not found: no such case, media item or hash list (NotFound)
70    unexpected error: a bug in Vidi; run again with --debug and report it
130   interrupted
====  ===========================================================================

A new subclass of VidiError gets code 1 until it is given its own row here.

A command given ``--json`` also reports its failure as JSON on stdout, where its result
would have gone, so a script reads one document either way::

    {"error": {"message": "<the error line>", "exit_code": 1, "kind": "failed"}}

``kind`` names the row of the table (``KINDS``). The ``error:`` line still goes to stderr.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from vidi.cli.common import errors
from vidi.cli.display import styled
from vidi.errors import (
    ConfigError,
    DatabaseUnavailable,
    HomeUnusable,
    InvalidInput,
    NotFound,
    VidiError,
)

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_DATABASE = 3
EXIT_FILES = 4
EXIT_NOT_FOUND = 5
EXIT_UNEXPECTED = 70
EXIT_INTERRUPTED = 130

EXIT_BY_ERROR: tuple[tuple[type[BaseException], int], ...] = (
    (ConfigError, EXIT_USAGE),
    (InvalidInput, EXIT_USAGE),
    (DatabaseUnavailable, EXIT_DATABASE),
    (HomeUnusable, EXIT_FILES),
    (NotFound, EXIT_NOT_FOUND),
    (VidiError, EXIT_FAILED),
    (OSError, EXIT_FILES),
)
"""First match wins, so a subclass comes before its base. SQLAlchemy's OperationalError
(the database stopped answering) is also EXIT_DATABASE: see :func:`database_failure`."""

KINDS: dict[int, str] = {
    EXIT_FAILED: "failed",
    EXIT_USAGE: "usage",
    EXIT_DATABASE: "database",
    EXIT_FILES: "files",
    EXIT_NOT_FOUND: "not-found",
    EXIT_UNEXPECTED: "unexpected",
    EXIT_INTERRUPTED: "interrupted",
}
"""The ``kind`` of a JSON error, by exit status."""

LONGEST_LINE = 1000
"""An error line longer than this (a 5,000-character path) loses its middle, not its end."""


def database_failure(error: BaseException) -> Any:
    """``error`` if it is SQLAlchemy's OperationalError, else None.

    SQLAlchemy is looked up only here, when a failure is classified, and only if the
    command loaded it: an error cannot come from a library never imported, and importing
    it at start-up would cost ``vidi --help`` about half a second.
    """
    exc = sys.modules.get("sqlalchemy.exc")
    return error if exc is not None and isinstance(error, exc.OperationalError) else None


def exit_status(error: BaseException) -> int:
    if database_failure(error) is not None:
        return EXIT_DATABASE
    for kind, status in EXIT_BY_ERROR:
        if isinstance(error, kind):
            return status
    return EXIT_UNEXPECTED


def describe(error: BaseException) -> str:
    """What went wrong, for the one error line."""
    if isinstance(error, VidiError):
        return str(error)
    if (failure := database_failure(error)) is not None:
        reason = " ".join(str(failure.orig).split())
        return f"the database failed: {reason}; run the command again once it answers"
    if isinstance(error, OSError) and error.strerror:
        names = [str(n) for n in (error.filename, error.filename2) if n is not None]
        return ": ".join([error.strerror, *names])
    return (
        f"unexpected {type(error).__name__}: {error} "
        "(a bug in Vidi; run again with --debug for the traceback and report it)"
    )


def report(error: BaseException, debug: bool, as_json: bool = False) -> int:
    """Print ``error`` as one line on stderr (after its traceback when debugging).

    With ``as_json`` the error is also written as JSON on stdout.
    """
    if debug:
        traceback.print_exception(error, file=sys.stderr)
    message, status = describe(error), exit_status(error)
    say_error(message)
    if as_json:
        say_json_error(message, status)
    return status


def wants_json(args: Sequence[str]) -> bool:
    """Whether a command line asks for ``--json`` (options end at a bare ``--``)."""
    for arg in args:
        if arg == "--":
            return False
        if arg == "--json":
            return True
    return False


def say_json_error(message: str, status: int) -> None:
    error = {
        "message": " ".join(message.splitlines()),
        "exit_code": status,
        "kind": KINDS.get(status, "failed"),
    }
    sys.stdout.write(json.dumps({"error": error}, ensure_ascii=False) + "\n")


def say_error(message: str) -> None:
    line = " ".join(message.splitlines())
    if len(line) > LONGEST_LINE:
        half = LONGEST_LINE // 2
        left_out = len(line) - 2 * half
        line = f"{line[:half]} …({left_out:,} characters left out)… {line[-half:]}"
    errors.print(styled(("error:", "bold red"), " ", line), soft_wrap=True)


class VidiGroup(TyperGroup):
    """The root ``vidi`` group: usage errors and failures become one line and a status.

    It also makes every command's ``--help`` plain text: Typer's Rich-formatted help
    imports Rich's Markdown and markdown-it, which alone cost more than the 0.3 s a
    command may take to start (docs/performance.md, "Start-up").
    """

    def __init__(self, *args: Any, **options: Any) -> None:
        super().__init__(*args, **options)
        plain_help(self)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.TyperException, typer.Exit, typer.Abort):
            raise  # usage errors, --help and Ctrl-D: main() below
        except Exception as error:
            as_json = getattr(self, "json_errors", False)
            status = report(error, debug=bool(ctx.params.get("debug")), as_json=as_json)
            raise typer.Exit(status) from error

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        self.json_errors = wants_json(list(args) if args is not None else sys.argv[1:])
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        try:
            result = super().main(
                args, prog_name, complete_var, False, windows_expand_args, **extra
            )
        except typer.TyperException as usage:  # click's UsageError and its kin
            sys.exit(show_usage_error(usage, self.json_errors))
        except typer.Abort:
            say_error("interrupted")
            if self.json_errors:
                say_json_error("interrupted", EXIT_INTERRUPTED)
            sys.exit(EXIT_INTERRUPTED)
        sys.exit(result if isinstance(result, int) else 0)


def show_usage_error(usage: typer.TyperException, as_json: bool = False) -> int:
    """One line for a usage error; none when no arguments were given (Typer showed the help)."""
    if type(usage).__name__ != "NoArgsIsHelpError":  # as Typer tells it, without importing it
        context = getattr(usage, "ctx", None)
        hint = f" (see '{context.command_path} --help')" if context is not None else ""
        say_error(usage.format_message() + hint)
        if as_json:
            say_json_error(usage.format_message(), usage.exit_code)
    return usage.exit_code


def plain_help(command: Any) -> None:
    """Turn off Rich help formatting for ``command`` and every command below it."""
    command.rich_markup_mode = None
    for sub in getattr(command, "commands", {}).values():
        plain_help(sub)
