"""What distributed work hands back: a job's state and counts, and a worker's start."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from vidi.results import jsonable

if TYPE_CHECKING:
    from vidi.clues.runner import ExtractionSummary
    from vidi.results import IngestOutcome


@dataclass(frozen=True)
class JobInfo:
    """One distributed job as ``vidi jobs`` shows it."""

    id: int
    kind: str  # ingest | extract
    case: str
    state: str  # running | stored | finished
    paths: tuple[str, ...]
    chunks: int
    chunks_done: int
    chunks_running: int
    chunks_failed: int
    files: int
    """Files planned (media, for extraction)."""
    files_done: int
    bytes: int
    bytes_done: int
    created_at: datetime
    finished_at: datetime | None
    failure: str | None
    """Why a chunk failed, when one did (the first such chunk)."""

    @property
    def all_done(self) -> bool:
        return self.chunks_done == self.chunks

    @property
    def stuck(self) -> bool:
        """Every chunk is done or failed, and at least one failed: waiting cannot help."""
        return self.chunks_failed > 0 and self.chunks_done + self.chunks_failed == self.chunks

    def to_dict(self) -> dict[str, Any]:
        return jsonable(self)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class DistributedIngest:
    """A distributed ingest: its job, and the outcome once it was waited for."""

    job: JobInfo
    outcome: IngestOutcome | None
    """None with ``wait=False``: the workers are still at it (see ``vidi jobs``)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "job": self.job.to_dict(),
            "outcome": None if self.outcome is None else self.outcome.to_dict(),
        }


@dataclass(frozen=True)
class DistributedExtract:
    """A distributed clue extraction: its job, and the summary once it was waited for."""

    job: JobInfo
    summary: ExtractionSummary | None

    def to_dict(self) -> dict[str, Any]:
        return {"job": self.job.to_dict(), "summary": jsonable(self.summary)}
