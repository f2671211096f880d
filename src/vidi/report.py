"""The case report: what a case's sources hold, what is new and what failed."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from vidi.cases import get_case
from vidi.estimates import PlacesSection, places_section
from vidi.ingest.runs import is_stale
from vidi.matching.links import LinksSection, links_section
from vidi.matching.review import KnownSection, known_section
from vidi.store.models import IngestError, IngestRun, Media, Occurrence, Source
from vidi.store.queries import case_media

MEDIA_KINDS = ("image", "video")


@dataclass(frozen=True)
class RunSummary:
    id: int
    started_at: str
    status: str
    files_seen: int
    files_skipped: int
    media_new: int
    errors: int
    elapsed_s: float | None
    failure: str | None = None
    """Why the run failed or was interrupted; for a stale run, what the report knows."""
    atime_fallbacks: int = 0
    """Evidence reads that could not keep access times (O_NOATIME refused)."""


@dataclass
class CaseReport:
    case: str
    country: str | None
    sources: int
    files: int
    bytes: int
    unique_media: int
    exact_duplicates: int
    media_new: int
    media_known: int
    not_media: int
    failed: int
    failures: dict[str, int]
    runs: list[RunSummary]
    known: KnownSection | None = None
    places: PlacesSection | None = None
    links: LinksSection | None = None

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON: the counts and runs, then its sections."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["runs"] = [asdict(r) for r in self.runs]
        data["failures"] = dict(self.failures)
        sections: dict[str, Any] = {}
        for name in ("known", "places", "links"):
            section = data.pop(name)
            if section is not None:
                sections[name] = section.to_dict()
        data["sections"] = sections
        return data


def _case_occurrences(case_id: int):  # type: ignore[no-untyped-def]
    return (
        select(Occurrence)
        .join(Source, Source.id == Occurrence.source_id)
        .where(Source.case_id == case_id)
    )


def _run_summary(run: IngestRun) -> RunSummary:
    status, failure = run.status, run.failure
    if is_stale(run):
        status = "stale"
        where = f"process {run.pid} on {run.host}" if run.pid is not None else "its process"
        failure = f"still marked running, but {where} is gone or silent; the next ingest resumes it"
    return RunSummary(
        run.id,
        run.started_at.isoformat(timespec="seconds"),
        status,
        run.files_seen,
        run.files_skipped,
        run.media_new,
        run.errors,
        run.elapsed_s,
        failure,
        run.atime_fallbacks or 0,
    )


def build_report(session: Session, case_name: str) -> CaseReport:
    case = get_case(session, case_name)
    occurrences = _case_occurrences(case.id).subquery()
    files, nbytes, unique_contents = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(occurrences.c.size), 0),
            func.count(distinct(occurrences.c.sha256)),
        )
    ).one()
    media_ids = case_media(case.id).subquery()
    unique_media = session.scalar(select(func.count()).select_from(media_ids)) or 0
    media_new = (
        session.scalar(
            select(func.count())
            .select_from(Media)
            .where(Media.sha256.in_(select(media_ids)), Media.first_case_id == case.id)
        )
        or 0
    )
    type_counts = session.execute(
        select(occurrences.c.file_type, func.count()).group_by(occurrences.c.file_type)
    ).all()
    not_media = sum(n for name, n in type_counts if name.split("/")[0] not in MEDIA_KINDS)
    failures = dict(
        session.execute(
            select(IngestError.reason, func.count())
            .join(Source, Source.id == IngestError.source_id)
            .where(Source.case_id == case.id)
            .group_by(IngestError.reason)
            .order_by(func.count().desc())
        ).all()
    )
    runs = [
        _run_summary(r)
        for r in session.scalars(
            select(IngestRun).where(IngestRun.case_id == case.id).order_by(IngestRun.id)
        )
    ]
    sources = session.scalar(select(func.count()).where(Source.case_id == case.id)) or 0
    return CaseReport(
        case=case.name,
        country=case.country,
        sources=sources,
        files=files,
        bytes=int(nbytes),
        unique_media=unique_media,
        exact_duplicates=files - unique_contents,
        media_new=media_new,
        media_known=unique_media - media_new,
        not_media=not_media,
        failed=sum(failures.values()),
        failures=failures,
        runs=runs,
        known=known_section(session, case.id),
        places=places_section(session, case.id),
        links=links_section(session, case.id),
    )
