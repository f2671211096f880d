"""A Rich progress bar for long work: files and bytes done, rate and time left."""

from __future__ import annotations

from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from vidi.cli.common import errors
from vidi.cli.display import safe_text


class RichProgress:
    """Implements the ingest's Progress protocol on stderr (stdout stays clean for --json)."""

    def __init__(self, label: str = "ingest") -> None:
        self.label = safe_text(label)  # a case or list name, shown as it is
        self.bar = Progress(
            TextColumn("{task.description}", style="bold", markup=False),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=errors.rich,
            transient=False,
        )
        self.task: TaskID | None = None
        self.files = 0
        self.total_files = 0

    def start(self, total_files: int, total_bytes: int) -> None:
        self.total_files = total_files
        self.bar.start()
        self.task = self.bar.add_task(self.label, total=total_bytes or None)

    def advance(self, files: int, nbytes: int) -> None:
        assert self.task is not None
        self.files += files
        self.bar.update(
            self.task,
            advance=nbytes,
            description=f"{self.label} {self.files} files",  # archives hold more than disk shows
        )

    def finish(self) -> None:
        self.bar.stop()


class CountProgress:
    """A plain counting bar for work measured in items (hash-list rows, media)."""

    def __init__(self, label: str) -> None:
        self.bar = Progress(
            TextColumn("{task.description}", style="bold", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=errors.rich,
        )
        self.label = safe_text(label)  # a case or list name, shown as it is
        self.task: TaskID | None = None

    def start(self, total: int | None) -> None:
        self.bar.start()
        self.task = self.bar.add_task(self.label, total=total)

    def advance(self, n: int = 1) -> None:
        assert self.task is not None
        self.bar.update(self.task, advance=n)

    def finish(self) -> None:
        self.bar.stop()
