"""What every command shares: the Workbench, JSON and error output."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from vidi.cli.display import styled
from vidi.notices import LOGGER as NOTICE_LOGGER

if TYPE_CHECKING:
    from vidi.cli.console import HumanConsole
    from vidi.workbench import Workbench


class LazyConsole:
    """A :class:`~vidi.cli.console.HumanConsole` made on first use.

    Every command module imports ``console`` and ``errors``; making them on import would
    load Rich's console (a tenth of a second) for ``vidi --help`` too.
    """

    def __init__(self, stderr: bool = False) -> None:
        self._stderr = stderr
        self._console: HumanConsole | None = None

    @property
    def rich(self) -> HumanConsole:
        """The console itself, for Rich objects that take one (a progress bar)."""
        if self._console is None:
            from vidi.cli.console import HumanConsole

            self._console = HumanConsole(stderr=self._stderr)
        return self._console

    def print(self, *objects: Any, **options: Any) -> None:
        self.rich.print(*objects, **options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.rich, name)


console = LazyConsole()
errors = LazyConsole(stderr=True)
"""Human output: strings are shown literally (no markup), control characters escaped."""


class State:
    """Per-invocation state built by the top-level callback: the home and its Workbench.

    The Workbench is made on first use, inside the command, so a bad setting is reported
    by the error boundary, and ``vidi --help`` imports none of the services.
    """

    def __init__(self, home: Path | None) -> None:
        self.home = home
        self._workbench: Workbench | None = None

    @property
    def workbench(self) -> Workbench:
        if self._workbench is None:
            from vidi.workbench import Workbench

            self._workbench = Workbench.open(self.home)
        return self._workbench

    def close(self) -> None:
        if self._workbench is not None:
            self._workbench.close()


def workbench(ctx: typer.Context) -> Workbench:
    """The command's Workbench."""
    return state(ctx).workbench


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    assert isinstance(obj, State)
    return obj


def _default(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, default=_default, indent=2, ensure_ascii=False) + "\n")


class _NoticeLines(logging.Handler):
    """Each :func:`vidi.notices.notice` as one line on stderr (stdout stays clean for --json)."""

    def emit(self, record: logging.LogRecord) -> None:
        errors.print(styled(("notice:", "yellow"), " ", record.getMessage()), soft_wrap=True)


def show_notices() -> None:
    """Print notices on stderr for the rest of this process (once, however often called)."""
    logger = logging.getLogger(NOTICE_LOGGER)
    if not any(isinstance(h, _NoticeLines) for h in logger.handlers):
        logger.addHandler(_NoticeLines())


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Marks where a command expects Vidi's errors; it lets them pass.

    The one boundary (:mod:`vidi.cli.boundary`) prints them as one line and exits with
    the status for their kind, so a command never picks an exit code itself.
    """
    yield
