"""Country estimates from stored clues: for a media item, a series or a case.

This is the seam between the database and :mod:`vidi.places` (which is pure): it turns
clue rows (extracted or given by an investigator) and near-duplicate links to earlier
cases into :class:`ClueEvidence`, and asks the fusion for a ranked list with reasons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vidi import audit
from vidi.cases import get_case
from vidi.errors import NotFound, VidiError
from vidi.places.clue import Clue, ClueDetail, ClueEvidence, Region
from vidi.places.evidence import EVIDENCE_KINDS
from vidi.places.fusion import Estimate, IgnoredClue, estimate_countries
from vidi.places.languages import normalise_language
from vidi.places.prior import population_prior
from vidi.store.models import Case, ClueReview, Match, Media, Occurrence, Source
from vidi.store.models import Clue as ClueRow
from vidi.store.queries import case_media, in_chunks

INVESTIGATOR = "investigator"
NEAR_KINDS = ("pdq", "frame", "vpdq", "audio")
REJECTED = "rejected"


def _capture_date(clue: ClueRow) -> datetime | None:
    raw = (clue.detail or {}).get("date")
    if not raw:
        return None
    try:
        return datetime.fromisoformat(str(raw)[:10])
    except ValueError:
        return None


def stored_clue(row: ClueRow) -> Clue:
    """A ``clue`` row as the one clue shape (its region typed, its detail as stored)."""
    return Clue(
        row.kind, row.value, row.confidence, Region.from_stored(row.region), row.detail or {}
    )


def clue_evidence(session: Session, sha256s: Sequence[str]) -> list[ClueEvidence]:
    """The stored clues of these media that carry country evidence."""
    evidence = []
    for chunk in in_chunks(list(sha256s)):
        rows = session.scalars(
            select(ClueRow).where(
                ClueRow.media_sha256.in_(chunk),
                ClueRow.kind.in_(EVIDENCE_KINDS),
                ClueRow.id.not_in(select(ClueReview.clue_id).where(ClueReview.verdict == REJECTED)),
            )
        )
        for clue in rows:
            who = f"by {clue.author}" if clue.author else clue.extractor
            tip = (clue.detail or {}).get("tip")
            source = f", from tip #{tip}" if tip is not None else ""
            label = f"clue #{clue.id} ({clue.kind} {who}{source}, media {clue.media_sha256[:8]}…)"
            found = stored_clue(clue)
            if clue.kind == "object_match":
                country, label = _gallery_country(clue)
                if not country:
                    continue
                found = replace(found, value=country)
            evidence.append(ClueEvidence(found, label, _capture_date(clue)))
    return evidence


def _gallery_country(clue: ClueRow) -> tuple[str, str]:
    """An object_match clue's gallery-item country, and a reason naming the item."""
    detail = clue.detail or {}
    label = (
        f"clue #{clue.id} (object_match: media {clue.media_sha256[:8]}… shows {clue.value!r} "
        f"of gallery {detail.get('gallery')!r}, {detail.get('inliers')} matching points)"
    )
    return str(detail.get("country") or ""), label


def rejected_clues(session: Session, sha256s: Sequence[str]) -> list[IgnoredClue]:
    """Clues of these media an investigator rejected: not counted, and who said so."""
    ignored = []
    for chunk in in_chunks(list(sha256s)):
        rows = session.execute(
            select(ClueRow, ClueReview)
            .join(ClueReview, ClueReview.clue_id == ClueRow.id)
            .where(ClueRow.media_sha256.in_(chunk), ClueReview.verdict == REJECTED)
            .order_by(ClueRow.id)
        )
        for clue, review in rows:
            media = clue.media_sha256[:8]
            label = f"clue #{clue.id} ({clue.kind} by {clue.extractor}, media {media}…)"
            when = f"{review.reviewed_at:%Y-%m-%d %H:%M}"
            why = f"rejected by {review.reviewer} on {when}; not counted"
            ignored.append(IgnoredClue(label, clue.kind, clue.value, why))
    return ignored


def estimate_media_set(
    session: Session, sha256s: Sequence[str], exclude_case_id: int | None
) -> Estimate:
    """The countries of these media together (a series, a case), rejected clues named."""
    evidence = clue_evidence(session, sha256s)
    evidence += near_duplicate_evidence(session, sha256s, exclude_case_id)
    estimate = estimate_countries(evidence, prior=population_prior())
    rejected = rejected_clues(session, sha256s)
    if not rejected:
        return estimate
    return replace(estimate, not_informative=[*estimate.not_informative, *rejected])


def near_duplicate_evidence(
    session: Session, sha256s: Sequence[str], exclude_case_id: int | None
) -> list[ClueEvidence]:
    """Countries of earlier cases that hold near-duplicates (or the same content).

    Only cases with a country can give evidence, so those are found first (usually
    none or a few); then each slice of media and the media linked to it are looked up
    by the occurrence's indexed media column. One ``IN`` per side, never ``a IN (...)
    OR b IN (...)``: PostgreSQL answers that with a scan of every occurrence (1.3 s a
    slice at 10 M occurrences, minutes for a 100,000-media case).
    """
    placed = select(Case.id).where(Case.country.is_not(None))
    if exclude_case_id is not None:
        placed = placed.where(Case.id != exclude_case_id)
    if session.scalar(placed.limit(1)) is None:
        return []
    found: set[tuple[int, str, str, str]] = set()
    for chunk in in_chunks(list(sha256s)):
        linked = session.scalars(
            select(Match.other_sha256).where(
                Match.media_sha256.in_(chunk),
                Match.kind.in_(NEAR_KINDS),
                Match.other_sha256.is_not(None),
            )
        )
        wanted = sorted(set(chunk) | {sha for sha in linked if sha is not None})
        for part in in_chunks(wanted):
            rows = session.execute(
                select(Case.id, Case.name, Case.country, Occurrence.media_sha256)
                .join(Source, Source.case_id == Case.id)
                .join(Occurrence, Occurrence.source_id == Source.id)
                .where(Occurrence.media_sha256.in_(part), Case.id.in_(placed))
                .distinct()
            )
            for case_id, name, country, sha in rows:
                if sha is not None and country is not None:
                    found.add((case_id, name, country, sha))
    evidence = []
    for _case_id, name, country, sha in sorted(found):
        label = f"media {sha[:8]}… is in case {name!r} placed in {country}"
        evidence.append(ClueEvidence(Clue("near_duplicate_country", country, 0.8), label))
    return evidence


def estimate_media(session: Session, sha256: str) -> Estimate:
    if session.get(Media, sha256) is None:
        raise NotFound(f"no media with SHA-256 {sha256}")
    return estimate_media_set(session, [sha256], None)


def media_clues(session: Session, sha256: str) -> list[ClueRow]:
    """Every stored clue of the media item, extracted or added by an investigator."""
    return list(session.scalars(select(ClueRow).where(ClueRow.media_sha256 == sha256)))


def series_media(session: Session, group_id: str) -> list[str]:
    members = list(session.scalars(select(Media.sha256).where(Media.group_id == group_id)))
    if not members:
        raise NotFound(f"no series (near-duplicate group) {group_id!r}; see 'vidi groups'")
    return members


def estimate_case(
    session: Session, case_name: str, group_id: str | None = None, other_cases: bool = False
) -> Estimate:
    """A case's (or one of its series') countries from every clue of its media.

    A series must hold media of the case; of a series that spans cases, only the media in
    this case count unless ``other_cases`` (earlier cases still speak through
    ``near_duplicate_country`` clues, named as such).
    """
    case = get_case(session, case_name)
    return _estimate_case_id(session, case.id, group_id, other_cases)


def case_series_media(
    session: Session, case_id: int, group_id: str, other_cases: bool = False
) -> list[str]:
    """The media of series ``group_id`` in the case (all of them with ``other_cases``)."""
    members = series_media(session, group_id)
    in_case = set(session.scalars(case_media(case_id).where(Occurrence.media_sha256.in_(members))))
    if not in_case:
        raise NotFound(f"series {group_id!r} has no media in this case; see 'vidi groups'")
    return members if other_cases else [m for m in members if m in in_case]


def _estimate_case_id(
    session: Session, case_id: int, group_id: str | None = None, other_cases: bool = False
) -> Estimate:
    if group_id is not None:
        sha256s = case_series_media(session, case_id, group_id, other_cases)
    else:
        sha256s = [s for s in session.scalars(case_media(case_id)) if s is not None]
    return estimate_media_set(session, sha256s, case_id)


@dataclass(frozen=True)
class SeriesPlace:
    """One series of a case and the top country of its own estimate."""

    series: str
    media: int
    informative: bool
    country: str | None
    probability: float | None


@dataclass(frozen=True)
class Disagreement:
    """How far the placed series of a case agree."""

    series_placed: int
    countries: dict[str, int]
    share_agreeing: float | None


@dataclass(frozen=True)
class PlacesSection:
    """The case report's places: the fused estimate, each series' own, and how they differ."""

    estimate: Estimate
    media_waiting_for_clues: int
    series: list[SeriesPlace]
    disagreement: Disagreement
    top: int = 3

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.estimate.to_dict(self.top),
            "media_waiting_for_clues": self.media_waiting_for_clues,
            "series": [asdict(s) for s in self.series],
            "disagreement": asdict(self.disagreement),
        }


def places_section(session: Session, case_id: int, top: int = 3) -> PlacesSection:
    """The case report's view: each series' own estimate and how much the series disagree.

    A case holds many children and places; one estimate fused over every series would
    hide that ("Germany 100 %" for a set from sixteen countries). ``top`` is still the
    fused ranking, for a case that is one series.
    """
    waiting = (
        session.scalar(
            select(func.count())
            .select_from(Media)
            .where(Media.sha256.in_(case_media(case_id)), Media.extracted_at.is_(None))
        )
        or 0
    )
    series = series_estimates(session, case_id)
    return PlacesSection(
        _estimate_case_id(session, case_id), waiting, series, disagreement(series), top
    )


MAX_SERIES_IN_REPORT = 50


def series_estimates(
    session: Session, case_id: int, limit: int = MAX_SERIES_IN_REPORT
) -> list[SeriesPlace]:
    """The top country of each series of the case (largest series first)."""
    rows = session.execute(
        select(Media.group_id, func.count())
        .where(Media.sha256.in_(case_media(case_id)), Media.group_id.is_not(None))
        .group_by(Media.group_id)
        .order_by(func.count().desc(), Media.group_id)
        .limit(limit)
    ).all()
    out = []
    for group_id, count in rows:
        assert group_id is not None  # the query leaves out media in no series
        estimate = _estimate_case_id(session, case_id, group_id)
        best = estimate.ranked[0] if estimate.ranked else None
        out.append(
            SeriesPlace(
                series=group_id,
                media=count,
                informative=estimate.informative,
                country=best.country if best else None,
                probability=round(best.probability, 4) if best else None,
            )
        )
    return out


def disagreement(series: list[SeriesPlace]) -> Disagreement:
    """How far the placed series agree: the distinct top countries and the largest share."""
    placed = [s.country for s in series if s.informative and s.country is not None]
    counts: dict[str, int] = {}
    for country in placed:
        counts[country] = counts.get(country, 0) + 1
    agreeing = max(counts.values(), default=0)
    return Disagreement(
        series_placed=len(placed),
        countries=dict(sorted(counts.items(), key=lambda kv: -kv[1])),
        share_agreeing=round(agreeing / len(placed), 3) if placed else None,
    )


def add_investigator_clue(
    session: Session,
    sha256: str,
    kind: str,
    value: str,
    author: str,
    note: str | None = None,
    detail: ClueDetail | None = None,
) -> ClueRow:
    """Record what a person recognised; it is fused with the extracted clues.

    ``detail`` is kept with the clue (a tip it came from: ``{"tip": 12, …}``, named in
    the estimate's reasons).
    """
    if session.get(Media, sha256) is None:
        raise NotFound(f"no media with SHA-256 {sha256}")
    kind = kind.strip().lower().replace(" ", "_").replace("-", "_")
    value = value.strip()
    if not kind or not value:
        raise VidiError("a clue needs a kind and a value, e.g. --kind language_heard --value pl")
    if kind in ("language", "language_heard"):
        value = language_code(value)
    if kind in ("country", "gps_country", "near_duplicate_country"):
        value = value.upper()
        if len(value) != 2 or not value.isalpha():
            raise VidiError(f"a country is an ISO 3166-1 alpha-2 code such as PL, got {value!r}")
    clue = ClueRow(
        media_sha256=sha256,
        kind=kind,
        value=value,
        confidence=1.0,
        extractor=INVESTIGATOR,
        extractor_version="1",
        author=author,
        detail={**(detail or {}), **({"note": note} if note else {})} or None,
    )
    session.add(clue)
    session.flush()
    audit.record(
        session, "clue.add", f"media:{sha256}", {"kind": kind, "value": value}, actor=author
    )
    return clue


def language_code(value: str) -> str:
    """'pl', 'pl-PL' or 'Polish' → 'pl' (names in English, from CLDR via Babel)."""
    if len(value) <= 3 or "-" in value or "_" in value:
        return normalise_language(value)
    from babel import Locale

    names = {name.lower(): code for code, name in Locale("en").languages.items()}
    code = names.get(value.lower())
    if code is None:
        raise VidiError(f"unknown language {value!r}; give an ISO 639-1 code such as pl")
    return normalise_language(code)
