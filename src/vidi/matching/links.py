"""The whole-video and sound-track links ingest stored, read back for lookup and report.

:mod:`vidi.matching.videomatch` links two videos as ``vpdq`` when they share most of
their frames and as ``audio`` when their sound tracks agree, storing one ``match`` row
each way. This module reads them: the links of given media (``vidi lookup VIDEO``) and
the links of a case's media (``vidi report``), each pair once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vidi.store.models import Case, Match, Occurrence, Source
from vidi.store.queries import case_media, in_chunks

LINK_KINDS: tuple[str, ...] = ("vpdq", "audio")


@dataclass(frozen=True)
class MediaLink:
    """One stored link: ``sha256`` is like ``other_sha256`` as a whole video or sound track.

    ``distance`` is 100 minus the share of frames found (vpdq) or 1 minus the
    Chromaprint similarity (audio); ``detail`` holds those figures.
    """

    kind: str  # vpdq | audio
    sha256: str
    other_sha256: str
    distance: float
    detail: dict[str, Any] = field(default_factory=dict)
    other_cases: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "sha256": self.sha256,
            "other_sha256": self.other_sha256,
            "distance": self.distance,
            "detail": dict(self.detail),
            "other_cases": list(self.other_cases),
        }


def links_of(session: Session, sha256s: Sequence[str]) -> list[MediaLink]:
    """The stored vpdq and audio links of these media, nearest first."""
    found: list[MediaLink] = []
    for chunk in in_chunks(sorted(set(sha256s))):
        rows = session.execute(
            select(Match.kind, Match.media_sha256, Match.other_sha256, Match.distance, Match.detail)
            .where(Match.media_sha256.in_(chunk))
            .where(Match.kind.in_(LINK_KINDS), Match.other_sha256.is_not(None))
        )
        found.extend(
            MediaLink(k, sha, other, dist, detail or {}) for k, sha, other, dist, detail in rows
        )
    return _with_cases(session, found)


def case_links(session: Session, case_id: int) -> list[MediaLink]:
    """The vpdq and audio links of the case's media, each pair once, nearest first."""
    rows = session.execute(
        select(Match.kind, Match.media_sha256, Match.other_sha256, Match.distance, Match.detail)
        .where(Match.media_sha256.in_(case_media(case_id)))
        .where(Match.kind.in_(LINK_KINDS), Match.other_sha256.is_not(None))
    )
    found: dict[tuple[str, str, str], MediaLink] = {}
    for kind, sha, other, distance, detail in rows:
        pair = (kind, *sorted((sha, other)))
        if pair not in found or sha < other:  # both directions stored: keep one, the same one
            found[pair] = MediaLink(kind, sha, other, distance, detail or {})
    return _with_cases(session, list(found.values()))


def _with_cases(session: Session, links: list[MediaLink]) -> list[MediaLink]:
    cases = _cases_of(session, [link.other_sha256 for link in links])
    dressed = [
        MediaLink(
            link.kind,
            link.sha256,
            link.other_sha256,
            link.distance,
            link.detail,
            cases.get(link.other_sha256, ()),
        )
        for link in links
    ]
    return sorted(
        dressed, key=lambda link: (link.distance, link.kind, link.sha256, link.other_sha256)
    )


def _cases_of(session: Session, sha256s: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The cases each media item occurs in."""
    found: dict[str, set[str]] = {}
    for chunk in in_chunks(sorted(set(sha256s))):
        rows = session.execute(
            select(Occurrence.media_sha256, Case.name)
            .distinct()
            .join(Source, Source.id == Occurrence.source_id)
            .join(Case, Case.id == Source.case_id)
            .where(Occurrence.media_sha256.in_(chunk))
        )
        for sha, name in rows:
            if sha is not None:
                found.setdefault(sha, set()).add(name)
    return {sha: tuple(sorted(names)) for sha, names in found.items()}


@dataclass(frozen=True)
class LinksSection:
    """The report's "links" section: the case's whole-video and sound-track links."""

    links: tuple[MediaLink, ...]

    def to_dict(self) -> dict[str, Any]:
        counts = {kind: sum(1 for link in self.links if link.kind == kind) for kind in LINK_KINDS}
        return {**counts, "links": [link.to_dict() for link in self.links]}


def links_section(session: Session, case_id: int) -> LinksSection:
    return LinksSection(tuple(case_links(session, case_id)))
