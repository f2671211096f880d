"""Matching a whole case (``vidi match``) or the media one ingest run brought in.

Both open the known-hash index (bringing it up to date with the database), match the
media in batches — one transaction per batch — and then recompute the near-duplicate
groups the media belong to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from vidi import audit
from vidi.cases import get_case
from vidi.config import Settings
from vidi.index import IndexLocked
from vidi.matching.groups import assign_groups
from vidi.matching.matcher import BATCH, match_media
from vidi.matching.search_view import open_for_search
from vidi.progress import CountProgress
from vidi.results import jsonable
from vidi.store.db import Database
from vidi.store.models import IngestRun, Media, Occurrence
from vidi.store.queries import case_media


@dataclass(frozen=True)
class MatchSummary:
    """What a matching pass did. ``deferred`` says why it did nothing (index busy)."""

    case: str
    media: int
    matches: int
    groups_changed: int
    index_rebuilt: bool = False
    deferred: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return jsonable(self)  # type: ignore[no-any-return]


def match_case(
    db: Database,
    settings: Settings,
    case_name: str,
    progress: CountProgress | None = None,
) -> MatchSummary:
    """Match every media item of the case again, from scratch, with the current settings."""
    with db.session() as session:
        case = get_case(session, case_name)
        shas = sorted(s for s in session.scalars(case_media(case.id)) if s)
    summary = _match(db, settings, case.name, shas, replace=True, progress=progress)
    with db.session() as session:
        audit.record(
            session,
            "match.case",
            f"case:{case.name}",
            {"media": summary.media, "matches": summary.matches},
        )
    return summary


def match_run(db: Database, settings: Settings, case_name: str, run_id: int) -> MatchSummary:
    """Match the media an ingest run (and runs of the case cut short before it) brought in."""
    with db.session() as session:
        case = get_case(session, case_name)
        shas = sorted(s for s in session.scalars(_run_media(session, case.id, run_id)) if s)
    try:
        return _match(db, settings, case.name, shas, replace=False, progress=None)
    except IndexLocked as exc:
        return MatchSummary(case.name, len(shas), 0, 0, deferred=f"{exc}; run 'vidi match'")


def _run_media(session: Session, case_id: int, run_id: int) -> Select[str | None]:
    runs = list(
        session.execute(
            select(IngestRun.id, IngestRun.status)
            .where(IngestRun.case_id == case_id)
            .order_by(IngestRun.id)
        )
    )
    finished = [rid for rid, status in runs if status == "finished" and rid != run_id]
    last_finished = max(finished, default=0)
    wanted = [run_id] + [
        rid for rid, status in runs if status == "interrupted" and rid > last_finished
    ]
    return (
        case_media(case_id)
        .join(Media, Media.sha256 == Occurrence.media_sha256)
        .where(Occurrence.run_id.in_(wanted), Media.first_case_id == case_id)
    )


def _match(
    db: Database,
    settings: Settings,
    case_name: str,
    shas: list[str],
    replace: bool,
    progress: CountProgress | None,
) -> MatchSummary:
    if not shas:
        return MatchSummary(case_name, 0, 0, 0)
    matches = 0
    if progress is not None:
        progress.start(len(shas))
    try:
        # A writer elsewhere (an ingest's matching, an import) is not waited for: a
        # read-only view completed from the database answers the same (search_view).
        with open_for_search(db, settings) as index:
            report = index.sync(db)
            for start in range(0, len(shas), BATCH):
                batch = shas[start : start + BATCH]
                with db.session() as session:
                    matches += match_media(session, index, settings, batch, replace=replace)
                if progress is not None:
                    progress.advance(len(batch))
    finally:
        if progress is not None:
            progress.finish()
    with db.session() as session:
        changed = assign_groups(session, shas)
    return MatchSummary(case_name, len(shas), matches, changed, index_rebuilt=report.rebuilt)
