"""Run the enabled clue extractors on media, new material first, resumably.

Extraction comes after ingest and matching: it is the expensive step (OCR), so it runs
on media that still lack a result from an extractor at its current version, in review
order (new and not near anything known first). Each media item's clues and its
``extraction_done`` rows are written in one transaction, so a killed run resumes where
it stopped and never doubles a clue.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import and_, case, exists, or_, select
from sqlalchemy.orm import Session

from vidi.clues.base import Clue, Extractor, MediaInput
from vidi.clues.registry import enabled_extractors
from vidi.config import Settings
from vidi.errors import DecodeError, StorageFull
from vidi.media.pictures import decode_full
from vidi.places.clue import JsonValue
from vidi.progress import CountProgress
from vidi.results import jsonable
from vidi.sources.locate import Place, materialize
from vidi.sources.streams import copy_evidence, read_evidence
from vidi.store.blobs import BlobStore
from vidi.store.db import Database
from vidi.store.models import Clue as ClueRow
from vidi.store.models import (
    ExtractionDone,
    Match,
    Media,
    Occurrence,
    Source,
    utcnow,
)
from vidi.workers import start_worker

BATCH = 200


@dataclass(frozen=True)
class Outcome:
    """One extractor's result on one media item: clues, or the reason it failed."""

    extractor: str
    version: str
    clues: tuple[Clue, ...] = ()
    error: str | None = None


@dataclass
class ExtractionSummary:
    media: int = 0
    clues: int = 0
    failed: int = 0
    remaining: int = 0
    by_extractor: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return jsonable(self)  # type: ignore[no-any-return]


def run_extractors(
    extractors: Sequence[Extractor], sha256: str, media_type: str, path: Path, settings: Settings
) -> list[Outcome]:
    """Apply every extractor that applies to this media; failures become reasons."""
    applicable = [e for e in extractors if media_type in e.applies_to]
    image = None
    if media_type == "image" and applicable:
        try:
            image = decode_full(read_evidence(path), settings.image)
        except (DecodeError, OSError) as exc:
            return [Outcome(e.name, e.version, error=f"decode: {exc}") for e in applicable]
    media = MediaInput(sha256=sha256, media_type=media_type, path=path, image=image)
    outcomes = []
    for extractor in applicable:
        try:
            found = tuple(extractor.extract(media))
            outcomes.append(Outcome(extractor.name, extractor.version, found))
        except Exception as exc:  # noqa: BLE001 - one extractor's bug must not stop the batch
            outcomes.append(Outcome(extractor.name, extractor.version, error=repr(exc)[:500]))
    return outcomes


_extractors: list[Extractor] = []
_settings: Settings | None = None


def _init_worker(settings: Settings, owner_pid: int) -> None:
    global _extractors, _settings
    start_worker(owner_pid)
    _settings = settings
    _extractors = enabled_extractors(settings)


Job = tuple[str, str, str, bool]
"""sha256, media type, path, and whether the path is the evidence itself (not a copy)."""


def _work(job: Job) -> tuple[str, list[Outcome]]:
    assert _settings is not None
    return extract_one(_extractors, job, _settings)


def extract_one(
    extractors: Sequence[Extractor], job: Job, settings: Settings
) -> tuple[str, list[Outcome]]:
    """Run the extractors on one media item; a video in the evidence is read from a copy."""
    sha256, media_type, path, in_evidence = job
    if not in_evidence:  # a private copy spilled from an archive: anyone may open it
        return sha256, run_extractors(extractors, sha256, media_type, Path(path), settings)
    return sha256, extract_evidence(extractors, sha256, media_type, Path(path), settings)


def extract_evidence(
    extractors: Sequence[Extractor], sha256: str, media_type: str, path: Path, settings: Settings
) -> list[Outcome]:
    """Run the extractors on a file that is evidence, leaving its access time as it was.

    Pictures are read in this process through O_NOATIME (``sources.streams``). The
    extractors of a video or a sound file hand a path to ffmpeg, whose own open would
    update the original's access time, so they are given a private copy (made through
    O_NOATIME) instead.
    """
    if media_type == "image":
        return run_extractors(extractors, sha256, media_type, path, settings)
    with tempfile.TemporaryDirectory(prefix="video-", dir=_scratch_root(settings)) as scratch:
        copy = Path(scratch) / "video"
        try:
            copy_evidence(path, copy)
        except OSError as error:
            StorageFull.raise_if_full(error, copy)
            raise
        return run_extractors(extractors, sha256, media_type, copy, settings)


def pending_media(
    session: Session,
    extractors: Sequence[Extractor],
    case_id: int | None,
    sha256s: Iterable[str] | None = None,
) -> list[tuple[str, str]]:
    """Media (sha256, type) still lacking a result from an enabled extractor, review order."""
    wanted_sha = list(sha256s) if sha256s is not None else None
    missing = []
    for extractor in extractors:
        done = exists().where(
            ExtractionDone.media_sha256 == Media.sha256,
            ExtractionDone.extractor == extractor.name,
            ExtractionDone.extractor_version == extractor.version,
        )
        missing.append(and_(Media.media_type.in_(extractor.applies_to), ~done))
    if not missing:
        return []
    query = select(Media.sha256, Media.media_type).where(or_(*missing))
    if wanted_sha is not None:
        query = query.where(Media.sha256.in_(wanted_sha))
    if case_id is not None:
        in_case = (
            select(Occurrence.media_sha256)
            .join(Source, Source.id == Occurrence.source_id)
            .where(Source.case_id == case_id)
        )
        known = exists().where(
            Match.media_sha256 == Media.sha256, Match.hashlist_entry_id.is_not(None)
        )
        priority = case(
            (and_(Media.first_case_id == case_id, ~known), 0),
            (Media.first_case_id == case_id, 1),
            else_=2,
        )
        query = query.where(Media.sha256.in_(in_case)).order_by(priority, Media.first_seen_at)
    return [(row[0], row[1]) for row in session.execute(query)]


def places_of(session: Session, sha256s: Sequence[str]) -> list[Place]:
    rows = session.execute(
        select(
            Occurrence.media_sha256,
            Source.uri,
            Source.kind,
            Occurrence.path,
            Occurrence.archive_chain,
        )
        .join(Source, Source.id == Occurrence.source_id)
        .where(Occurrence.media_sha256.in_(sha256s))
    )
    return [Place(r[0], r[1], r[2], r[3], tuple(r[4] or ())) for r in rows]


def extract_clues(
    db: Database,
    settings: Settings,
    case_id: int | None = None,
    sha256s: Iterable[str] | None = None,
    progress: CountProgress | None = None,
    limit: int | None = None,
) -> ExtractionSummary:
    """Run enabled extractors on pending media of a case (or the given media).

    ``limit`` stops after that many media (in review order); the rest stays pending
    and ``summary.remaining`` says how many.
    """
    extractors = enabled_extractors(settings)
    summary = ExtractionSummary()
    with db.session() as session:
        pending = pending_media(session, extractors, case_id, sha256s)
    if limit is not None:
        summary.remaining = max(0, len(pending) - limit)
        pending = pending[:limit]
    if progress is not None:
        progress.start(len(pending))
    scratch = Path(tempfile.mkdtemp(prefix="clues-", dir=_scratch_root(settings)))
    blobs = BlobStore(settings.blob_dir)
    try:
        for start in range(0, len(pending), BATCH):
            batch = dict(pending[start : start + BATCH])
            with db.session() as session:
                places = places_of(session, list(batch))
            found = materialize(places, settings.archive, scratch)
            jobs = [(s, batch[s], str(p), not p.is_relative_to(scratch)) for s, p in found]
            for sha256, outcomes in _run(jobs, settings, extractors):
                with db.session() as session:
                    store_outcomes(session, sha256, outcomes, blobs, summary)
                if progress is not None:
                    progress.advance(1)
            shutil.rmtree(scratch / "enumerate", ignore_errors=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if progress is not None:
            progress.finish()
    return summary


def _scratch_root(settings: Settings) -> Path:
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    return settings.work_dir


def _run(
    jobs: list[Job], settings: Settings, extractors: list[Extractor]
) -> Iterator[tuple[str, list[Outcome]]]:
    if settings.workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield extract_one(extractors, job, settings)
        return
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(
        settings.workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(settings, os.getpid()),
    ) as pool:
        yield from pool.map(_work, jobs)


def store_outcomes(
    session: Session,
    sha256: str,
    outcomes: list[Outcome],
    blobs: BlobStore,
    summary: ExtractionSummary,
) -> None:
    """Write one media item's clues and mark its extractors done (one transaction)."""
    summary.media += 1
    for outcome in outcomes:
        session.query(ClueRow).filter(
            ClueRow.media_sha256 == sha256, ClueRow.extractor == outcome.extractor
        ).delete()
        for found in outcome.clues:
            session.add(clue_row(sha256, outcome, found, blobs))
        summary.clues += len(outcome.clues)
        summary.by_extractor[outcome.extractor] = summary.by_extractor.get(
            outcome.extractor, 0
        ) + len(outcome.clues)
        if outcome.error:
            summary.failed += 1
        session.merge(
            ExtractionDone(
                media_sha256=sha256,
                extractor=outcome.extractor,
                extractor_version=outcome.version,
                status="failed" if outcome.error else "ok",
                error=outcome.error,
                finished_at=utcnow(),
            )
        )
    media = session.get(Media, sha256)
    if media is not None:
        media.extracted_at = utcnow()


def clue_row(sha256: str, outcome: Outcome, found: Clue, blobs: BlobStore) -> ClueRow:
    """The ``clue`` row of a found clue; its ``blob`` goes to the blob store, its key to detail."""
    detail = dict(found.detail)
    if found.blob is not None:
        detail["thumbnail"] = blobs.put("exif-thumbs", sha256, found.blob)
    return ClueRow(
        media_sha256=sha256,
        kind=found.kind,
        value=found.value,
        confidence=found.confidence,
        region=found.region.to_dict() if found.region else None,
        detail=_json_safe(detail) or None,
        extractor=outcome.extractor,
        extractor_version=outcome.version,
    )


def _json_safe(value: object) -> JsonValue:
    """The detail as plain JSON (a NumPy number or a library's own type becomes text)."""
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items() if not isinstance(v, bytes)}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)
