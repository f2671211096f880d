"""The values series, grading and clue review hand to the Workbench (each with to_dict)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from vidi.results import jsonable

if TYPE_CHECKING:
    from vidi.places.clue import Region
    from vidi.places.fusion import Estimate


class _Dict:
    def to_dict(self) -> dict[str, Any]:
        return jsonable(self)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class SeriesInfo(_Dict):
    """A series of a case: its id, name, how many media, who made it."""

    id: int
    case_id: int
    name: str
    media: int
    created_by: str
    created_at: datetime
    merged_into: int | None = None


@dataclass(frozen=True)
class ClueSummary(_Dict):
    """One clue kind and value seen in a series, on how many of its media."""

    kind: str
    value: str
    media: int
    rejected: bool = False


@dataclass(frozen=True)
class SeriesPage:
    """A series with its media, the clues they carry and the series' own estimate."""

    series: SeriesInfo
    media: tuple[str, ...]
    clues: tuple[ClueSummary, ...]
    estimate: Estimate
    proposals: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "series": self.series.to_dict(),
            "media": list(self.media),
            "clues": [c.to_dict() for c in self.clues],
            "estimate": self.estimate.to_dict(5),
            "proposals": self.proposals,
        }


@dataclass(frozen=True)
class ProposalReason(_Dict):
    """Why Vidi proposes a media item: ``near_duplicate``, ``same_folder``,
    ``shared_clue`` or ``same_scene``, with what was shared."""

    kind: str
    detail: str


@dataclass(frozen=True)
class Proposal(_Dict):
    id: int
    series_id: int
    media_sha256: str
    reasons: tuple[ProposalReason, ...]
    state: str
    decided_by: str | None = None


@dataclass(frozen=True)
class SeriesChange(_Dict):
    """What a series change did: the series it left and the media it moved."""

    action: str
    series_id: int
    media: tuple[str, ...]
    other_series_id: int | None = None


@dataclass(frozen=True)
class Graded(_Dict):
    """Media given a category in a case by one grading action."""

    case_id: int
    category: str
    media: tuple[str, ...]
    grader: str


@dataclass(frozen=True)
class GradeScaleInfo(_Dict):
    """The case's categories; digit key n grades with ``categories[n]``."""

    case_id: int
    categories: tuple[str, ...]
    not_pertinent: str


@dataclass(frozen=True)
class GradeProgress(_Dict):
    """How much of a case is reviewed: in all, per category and per grader."""

    case_id: int
    media: int
    reviewed: int
    unreviewed: int
    by_category: dict[str, int]
    by_user: dict[str, int]


@dataclass(frozen=True)
class ClueVerdict(_Dict):
    clue_id: int
    media_sha256: str
    kind: str
    value: str
    verdict: str
    reviewer: str
    reviewed_at: datetime


@dataclass(frozen=True)
class CaseClue(_Dict):
    """A clue of a case's media item, with its verdict if someone gave one."""

    id: int
    media_sha256: str
    kind: str
    value: str
    confidence: float
    region: Region | None
    extractor: str
    author: str | None
    verdict: str | None = None
    reviewer: str | None = None
