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
    from vidi.objects.stage import FeatureSummary
    from vidi.places.clue import Clue
    from vidi.places.fusion import Estimate
    from vidi.report import CaseReport


def jsonable(value: Any) -> Any:
    """VALUE with dataclasses as dicts, paths and times as text and sets sorted.

    A value that knows its own JSON form (a ``__json__`` method, e.g. a clue's region,
    printed in the shape it is stored) gives that instead of its fields.
    """
    own_form = getattr(value, "__json__", None)
    if callable(own_form):
        return own_form()
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
    features: FeatureSummary | None = None
    """The feature stage's summary; None when it is switched off (``--no-features``)."""

    def to_dict(self) -> dict[str, Any]:
        stored = jsonable(self.ingest)
        atime = stored.pop("atime_fallbacks")
        stored["matches"] = self.match.matches
        stored["match_deferred"] = self.match.deferred
        stored["atime_fallbacks"] = atime
        return {
            "ingest": stored,
            "clues": jsonable(self.clues),
            "features": jsonable(self.features),
        }


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
    clue: Clue

    def to_dict(self) -> dict[str, Any]:
        return {"extractor": self.extractor, "version": self.version, **_clue_fields(self.clue)}


@dataclass(frozen=True)
class StoredClue:
    """A clue stored for a media item, extracted or added by an investigator (``author``)."""

    id: int
    extractor: str
    version: str
    clue: Clue
    author: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "extractor": self.extractor,
            "version": self.version,
            **_clue_fields(self.clue),
            "author": self.author,
            "detail": dict(self.clue.detail) or None,
        }


def _clue_fields(clue: Clue) -> dict[str, Any]:
    """The clue's own fields as both clue results print them."""
    return {
        "kind": clue.kind,
        "value": clue.value,
        "confidence": clue.confidence,
        "region": clue.region.to_dict() if clue.region else None,
    }


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
            "clues": [c.to_dict() for c in self.clues],
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
            "clues": [c.to_dict() for c in self.clues],
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
