"""Typed results of the Workbench's workflows that no single service owns, and ``jsonable``.

Every result the Workbench returns is a dataclass with one ``to_dict()``: the JSON
form ``--json`` prints and the web will send. Results a service already defines
(``MatchSummary``, ``LookupResult``, ``CaseReport`` …) stay beside their service;
the ones here combine stages (ingest → match → extract) or describe the Workbench's
own answers (a case, a file's clues).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vidi.clues.runner import ExtractionSummary
    from vidi.ingest.pipeline import IngestSummary
    from vidi.matching.casematch import MatchSummary
    from vidi.media.examine import MediaFacts
    from vidi.places.fusion import Estimate
    from vidi.report import CaseReport


def jsonable(value: Any) -> Any:
    """VALUE with dataclasses as dicts, paths and times as text and sets sorted."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted(jsonable(item) for item in value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


_BOX = ("x", "y", "width", "height", "start_s", "end_s")


@dataclass(frozen=True)
class ClueRegion:
    """Where in a media item a stored clue lies: a box in pixels, or a time span in seconds.

    Extractors store the box as x, y, width, height; an investigator's drawn box is stored
    as x, y, w, h (``drawn``). :meth:`to_dict` gives each back in the shape it was stored.
    """

    x: int | None = None
    y: int | None = None
    width: int | None = None
    height: int | None = None
    start_s: float | None = None
    end_s: float | None = None
    drawn: bool = False

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any] | None) -> ClueRegion | None:
        """The region of a clue row's ``region`` column; None when it has none."""
        if not stored:
            return None
        if "w" in stored or "h" in stored:
            return cls(
                stored.get("x"), stored.get("y"), stored.get("w"), stored.get("h"), drawn=True
            )
        return cls(**{key: stored[key] for key in _BOX if key in stored})

    def to_dict(self) -> dict[str, Any]:
        if self.drawn:
            return {"x": self.x, "y": self.y, "w": self.width, "h": self.height}
        return {key: getattr(self, key) for key in _BOX if getattr(self, key) is not None}


@dataclass(frozen=True)
class CaseInfo:
    """A case as listings and the web show it."""

    id: int
    name: str
    country: str | None
    created_at: datetime
    description: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "country": self.country,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class IngestOutcome:
    """What ``Workbench.ingest`` did, stage by stage: store, match, extract clues.

    ``clues`` is None when clue extraction was not asked for or no extractor is enabled.
    """

    ingest: IngestSummary
    match: MatchSummary
    clues: ExtractionSummary | None = None

    def to_dict(self) -> dict[str, Any]:
        stored = jsonable(self.ingest)
        atime = stored.pop("atime_fallbacks")
        stored["matches"] = self.match.matches
        stored["match_deferred"] = self.match.deferred
        stored["atime_fallbacks"] = atime
        return {"ingest": stored, "clues": jsonable(self.clues)}


@dataclass(frozen=True)
class DemoOutcome:
    """``Workbench.demo``: the collection generated (or reused), ingested and reported."""

    data: Path
    generated: bool
    ingested: IngestOutcome
    report: CaseReport

    def to_dict(self) -> dict[str, Any]:
        return {
            "data": str(self.data),
            "generated": self.generated,
            **self.ingested.to_dict(),
            "report": self.report.to_dict(),
        }


@dataclass(frozen=True)
class ExportResult:
    """A case written as a hash list (``vidi export``)."""

    case: str
    format: str
    path: Path
    media: int

    def to_dict(self) -> dict[str, Any]:
        return jsonable(self)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class CategoryResult:
    """The category now set on a media item (None: cleared)."""

    media: str
    category: str | None

    def to_dict(self) -> dict[str, Any]:
        return jsonable(self)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class ExtractedClue:
    """A clue an extractor found in a file just now (nothing is stored)."""

    extractor: str
    version: str
    kind: str
    value: str
    confidence: float
    region: dict[str, int] | None


@dataclass(frozen=True)
class StoredClue:
    """A clue stored for a media item, extracted or added by an investigator."""

    id: int
    extractor: str
    version: str
    kind: str
    value: str
    confidence: float
    region: dict[str, Any] | None
    author: str | None
    detail: dict[str, Any] | None


@dataclass(frozen=True)
class FileClues:
    """The clues of a file, extracted now, and the countries they suggest."""

    sha256: str
    clues: tuple[ExtractedClue, ...]
    errors: dict[str, str]
    estimate: Estimate

    def to_dict(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "clues": jsonable(self.clues),
            "errors": dict(self.errors),
            "estimate": self.estimate.to_dict(),
        }


@dataclass(frozen=True)
class MediaClues:
    """The stored clues of a media item and the countries they (and its links) suggest."""

    sha256: str
    clues: tuple[StoredClue, ...]
    estimate: Estimate

    def to_dict(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "clues": jsonable(self.clues),
            "estimate": self.estimate.to_dict(),
        }


@dataclass(frozen=True)
class AddedClue:
    """An investigator's clue, stored; ``fused`` says whether it moves countries."""

    id: int
    kind: str
    value: str
    fused: bool

    def to_dict(self) -> dict[str, Any]:
        return jsonable(self)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class PlaceEstimate:
    """``vidi place``: a case's (or series') countries, with how many ``to_dict`` lists."""

    case: str
    series: str | None
    estimate: Estimate
    top: int = 10

    def to_dict(self) -> dict[str, Any]:
        return self.estimate.to_dict(self.top)


@dataclass(frozen=True)
class FileFacts:
    """``vidi hash``: what ingest would store for one file."""

    examined: MediaFacts

    @property
    def facts(self) -> tuple[tuple[str, Any], ...]:
        """(name, value) pairs in the order they are shown."""
        return tuple(self.examined.as_dict().items())

    def to_dict(self) -> dict[str, Any]:
        return self.examined.as_dict()
