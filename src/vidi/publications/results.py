"""What the publication and tip workflows return: frozen dataclasses with one ``to_dict()``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from vidi.results import jsonable


@dataclass(frozen=True)
class PublicationInfo:
    """One proposed, approved or withdrawn object crop."""

    id: int
    public_id: str
    case: str
    media: str
    box: dict[str, int]
    object_type: str
    language: str
    description: str
    question: str
    status: str
    author: str
    proposed_at: datetime
    approver: str | None
    approved_at: datetime | None
    withdrawn_by: str | None
    withdrawn_at: datetime | None
    withdraw_reason: str | None
    person_check: str
    crop_width: int
    crop_height: int
    crop_sha256: str
    exported_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return dict(jsonable(self))


@dataclass(frozen=True)
class PublicationExport:
    """A written publication bundle: where, which public ids, and the key that signed it."""

    out: Path
    public_ids: tuple[str, ...]
    signer: str
    public_key: Path

    def to_dict(self) -> dict[str, Any]:
        return dict(jsonable(self))


@dataclass(frozen=True)
class TipInfo:
    """One tip in the workbench's queue."""

    id: int
    tip_id: str
    object_id: str
    publication_id: int | None
    case: str | None
    received_at: str
    language: str
    what: str
    where: str
    contact: str
    consent: bool
    status: str
    abuse_flag: bool
    abuse_reason: str | None
    note: str | None
    clue_id: int | None
    imported_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return dict(jsonable(self))


@dataclass(frozen=True)
class TipsImport:
    """What one tip bundle added: new tips, repeats skipped, tips for unknown objects."""

    folder: Path
    signer: str
    new: int
    already_imported: int
    unknown_object: int
    flagged: int

    def to_dict(self) -> dict[str, Any]:
        return dict(jsonable(self))


@dataclass(frozen=True)
class TipClue:
    """A clue made from a useful tip, on the media the object was cropped from."""

    tip: int
    clue_id: int
    kind: str
    value: str
    media: str
    feeds_estimate: bool

    def to_dict(self) -> dict[str, Any]:
        return dict(jsonable(self))
