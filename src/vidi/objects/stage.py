"""The feature stage: local features for new pictures, then their scene links and gallery clues.

Runs after ingest and PDQ matching, on the pictures of a case that lack a result at
the current extractor version, new material first (the clue runner's order). For each
picture: decode, extract (:mod:`vidi.fingerprints.local_features`), store the features
(one commit), add them to the object index, link it to pictures of the same scene and
to gallery items it shows, and only then mark it done (``extraction_done``, extractor
``local_features``). A run killed anywhere resumes: stored features are reused and
re-added to the index by :func:`~vidi.objects.features.sync_index`; links are inserted
ignoring conflicts.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import select

from vidi.clues.runner import pending_media, places_of
from vidi.config import Settings
from vidi.errors import DecodeError
from vidi.fingerprints.local_features import (
    EXTRACTOR,
    LocalFeatures,
    decode,
    encode,
    extract_features,
    mirrored,
)
from vidi.index.objects import ObjectIndex
from vidi.matching.groups import assign_groups
from vidi.media.pictures import decode_full
from vidi.objects.features import open_object_index, sync_index
from vidi.objects.links import link_picture
from vidi.progress import CountProgress
from vidi.sources.locate import materialize
from vidi.sources.streams import read_evidence
from vidi.store.db import Database
from vidi.store.models import ExtractionDone, LocalFeatureSet, utcnow

STAGE = "local_features"
BATCH = 200
SAVE_EVERY = 2_000
"""Pictures after which the index is saved mid-run (a crash then re-adds fewer)."""


@dataclass(frozen=True)
class _Stage:
    """What :func:`vidi.clues.runner.pending_media` needs to know of an extractor."""

    name: str = STAGE
    version: str = EXTRACTOR
    applies_to: frozenset[str] = frozenset({"image"})


@dataclass(frozen=True)
class FeatureSummary:
    pictures: int
    points: int
    failed: int
    scene_links: int
    object_clues: int
    remaining: int


def run_feature_stage(
    db: Database,
    settings: Settings,
    case_id: int,
    progress: CountProgress | None = None,
    limit: int | None = None,
) -> FeatureSummary:
    """Extract, index and link the case's pictures still pending (at most ``limit``)."""
    with db.session() as session:
        pending = pending_media(session, [_Stage()], case_id)  # type: ignore[list-item]
    remaining = max(0, len(pending) - limit) if limit is not None else 0
    pending = pending[:limit] if limit is not None else pending
    if progress is not None:
        progress.start(len(pending))
    linked: list[str] = []
    totals = {"pictures": 0, "points": 0, "failed": 0, "scene_links": 0, "object_clues": 0}
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="features-", dir=settings.work_dir))
    try:
        with open_object_index(settings) as index:
            with db.session() as session:
                sync_index(session, index)
            for start in range(0, len(pending), BATCH):
                shas = [sha for sha, _ in pending[start : start + BATCH]]
                _run_batch(db, settings, index, shas, scratch, totals, progress, linked)
                if (start // BATCH + 1) % max(1, SAVE_EVERY // BATCH) == 0:
                    index.save()
            if len(index):
                index.save()
        with db.session() as session:
            assign_groups(session, linked)  # same-scene links join series
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if progress is not None:
            progress.finish()
    return FeatureSummary(remaining=remaining, **totals)


def _run_batch(
    db: Database,
    settings: Settings,
    index: ObjectIndex,
    shas: list[str],
    scratch: Path,
    totals: dict[str, int],
    progress: CountProgress | None,
    linked: list[str],
) -> None:
    with db.session() as session:
        places = places_of(session, shas)
    for sha256, path in materialize(places, settings.archive, scratch):
        picture, error = _picture(path, settings)
        features = None if picture is None else _stored_or_new(db, sha256, picture)
        if features is not None and picture is not None:
            id_, found = features
            with db.session() as session:
                if len(index) == 0 or index.vocabulary is None:
                    sync_index(session, index)
                elif id_ not in index:
                    index.add(id_, index.vocabulary.words(found.descriptors))
                sides = [found, extract_features(mirrored(picture))]
                links, clues = link_picture(session, index, sha256, id_, sides)
            totals["scene_links"] += links
            if links:
                linked.append(sha256)
            totals["object_clues"] += clues
            totals["points"] += len(found)
        with db.session() as session:
            session.merge(
                ExtractionDone(
                    media_sha256=sha256,
                    extractor=STAGE,
                    extractor_version=EXTRACTOR,
                    status="failed" if error else "ok",
                    error=error,
                    finished_at=utcnow(),
                )
            )
        totals["pictures"] += 1
        totals["failed"] += bool(error)
        if progress is not None:
            progress.advance(1)


def _picture(path: Path, settings: Settings) -> tuple[np.ndarray | None, str | None]:
    try:
        return np.asarray(decode_full(read_evidence(path), settings.image)), None
    except (DecodeError, OSError) as exc:
        return None, f"decode: {exc}"


def _stored_or_new(db: Database, sha256: str, picture: np.ndarray) -> tuple[int, LocalFeatures]:
    """The picture's stored features (a resumed run), or new ones, committed."""
    with db.session() as session:
        row = session.scalar(select(LocalFeatureSet).where(LocalFeatureSet.media_sha256 == sha256))
        if row is not None and row.extractor == EXTRACTOR:
            return row.id, decode(row.data)
        features = extract_features(picture)
        if row is None:
            row = LocalFeatureSet(media_sha256=sha256)
            session.add(row)
        row.extractor, row.points, row.data = EXTRACTOR, len(features), encode(features)
        session.flush()
        return row.id, features
