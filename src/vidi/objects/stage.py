"""The feature stage: new pictures into the object index, then their scene links and gallery clues.

``Workbench.ingest`` runs it after ingest and PDQ matching, on the pictures of a case
that lack a result at the current extractor version, new material first (the clue
runner's order). Ingest's workers have already stored each new picture's features
(from the decode PDQ used) and left its mirror image's features in a scratch blob; a
picture without them (ingested with the stage off, or a blob a crash lost) is decoded
here, reduced, and its features stored (one commit). Then each picture is added to the
object index, linked to pictures of the same scene and to gallery items it shows, and
only then marked done (``extraction_done``, extractor ``local_features``) and its
scratch blob deleted. A run killed anywhere resumes: stored features are reused and
re-added to the index by :func:`~vidi.objects.features.sync_index`; links are inserted
ignoring conflicts. Last, the run's pictures are added to the descriptor index the
region query's votes ask (:func:`~vidi.objects.features.descriptors_in_step`; a query adds
whatever a killed run left out).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from vidi.clues.runner import pending_media, places_of
from vidi.config import Settings
from vidi.errors import DecodeError
from vidi.fingerprints.local_features import (
    DECODE_SIDE,
    EXTRACTOR,
    FeaturesDamaged,
    LocalFeatures,
    decode,
    encode,
    extract_with_mirror,
    rescaled,
)
from vidi.index.gallery_index import GalleryIndex
from vidi.index.objects import ObjectIndex
from vidi.index.pdq_index import IndexLocked
from vidi.index.vocabulary import Vocabulary
from vidi.ingest.records import MIRROR_FEATURES
from vidi.media.pictures import DecodedImage, decode_image
from vidi.notices import notice
from vidi.objects.features import (
    descriptors_in_step,
    open_descriptor_index,
    open_object_index,
    sync_index,
)
from vidi.objects.gallery import gallery_index
from vidi.objects.links import link_picture
from vidi.progress import CountProgress
from vidi.sources.locate import materialize
from vidi.sources.streams import read_evidence
from vidi.store.blobs import BlobStore
from vidi.store.db import Database
from vidi.store.models import ExtractionDone, LocalFeatureSet, utcnow

STAGE = "local_features"
BATCH = 200
SAVE_EVERY = 2_000
"""Pictures after which the index is saved mid-run (a crash then re-adds fewer)."""
KNOWN_LIMIT = 2_000
"""Feature sets (~25 KB each) kept read during a batch before the cache starts over."""
THREADS = min(4, os.cpu_count() or 1)
"""Threads a picture's link candidates are verified on. The stage runs after ingest's
workers have finished, on one process, so the other cores would stand idle: FAISS's
Hamming tables and OpenCV's RANSAC run without Python's lock (docs/performance.md,
"Object search, round 6")."""


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
    totals = {"pictures": 0, "points": 0, "failed": 0, "scene_links": 0, "object_clues": 0}
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="features-", dir=settings.work_dir))
    try:
        with open_object_index(settings) as index:
            # Pending pictures are added when linked: their words are assigned once, and
            # a pair among them is checked once (by the later picture of the two).
            later = _feature_ids(db, [sha for sha, _ in pending])
            with db.session() as session:
                sync_index(session, index, later)
                gallery = gallery_index(session) if pending else None
            for start in range(0, len(pending), BATCH):
                shas = [sha for sha, _ in pending[start : start + BATCH]]
                _run_batch(db, settings, index, gallery, shas, scratch, totals, progress, later)
                if (start // BATCH + 1) % max(1, SAVE_EVERY // BATCH) == 0:
                    index.save()
            if len(index):
                index.save()
            if pending and index.vocabulary is not None:  # the region query's votes then
                _fill_descriptor_index(db, settings, index.vocabulary)  # need not add them
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if progress is not None:
            progress.finish()
    return FeatureSummary(remaining=remaining, **totals)


def _fill_descriptor_index(db: Database, settings: Settings, vocabulary: Vocabulary) -> None:
    """Add the new pictures to the descriptor index, unless a region query has it open
    (that query adds them itself: it syncs before it asks)."""
    try:
        with open_descriptor_index(settings) as points, db.session() as session:
            descriptors_in_step(session, points, vocabulary)
    except IndexLocked:
        notice(
            "the descriptor index is open in another process; the next region query adds "
            "the new pictures to it"
        )


def _run_batch(
    db: Database,
    settings: Settings,
    index: ObjectIndex,
    gallery: GalleryIndex | None,
    shas: list[str],
    scratch: Path,
    totals: dict[str, int],
    progress: CountProgress | None,
    later: set[int],
) -> None:
    """Link each picture; decode only those whose features (or mirror features) ingest
    did not leave behind (ingest with features off, or a scratch blob a crash lost)."""
    stored = _stored_features(db, shas)
    flipped = {sha: f for sha in shas if (f := _mirror_blob(settings, sha)) is not None}
    undecoded = [sha for sha in shas if sha not in stored or sha not in flipped]
    with db.session() as session:
        places = places_of(session, undecoded)
    done: list[tuple[str, str | None]] = []
    for sha256, path in materialize(places, settings.archive, scratch):
        picture, error = _picture(path, settings)
        if picture is not None:
            found, flipped[sha256] = _found(picture)
            if sha256 not in stored:
                replaced, stored[sha256] = _store(db, sha256, found)
                index.drop(replaced)  # an older version's words, if indexed
        done.append((sha256, error))
    done += [
        (sha, None) for sha in shas if sha in stored and sha in flipped and sha not in undecoded
    ]
    # The batch's own features need no second read when one of them is a candidate; the
    # candidates read for one picture are kept for the next (a scene's pictures share them).
    known = {id_: found for id_, found in stored.values()}
    later.update(id_ for id_ in known if id_ not in index)
    for sha256, error in done:
        with db.session() as session:  # links and done mark in one commit
            if error is None:
                id_, found = stored[sha256]
                sides = [found, flipped[sha256]]
                _link(session, index, gallery, sha256, id_, sides, known, later, totals)
                later.discard(id_)
            _mark_done(session, sha256, error)
        _drop_mirror_blob(settings, sha256)
        totals["pictures"] += 1
        totals["failed"] += bool(error)
        if progress is not None:
            progress.advance(1)
        if len(known) > KNOWN_LIMIT:
            known.clear()


def _link(
    session: Session,
    index: ObjectIndex,
    gallery: GalleryIndex | None,
    sha256: str,
    id_: int,
    sides: list[LocalFeatures],
    known: dict[int, LocalFeatures],
    later: set[int],
    totals: dict[str, int],
) -> None:
    """Index the picture and store its links and clues."""
    if index.vocabulary is None:
        sync_index(session, index, later)
    assert index.vocabulary is not None
    words = index.vocabulary.words(sides[0].descriptors)  # to index it and to ask with
    index.add(id_, words)  # (nothing when already there)
    links, clues = link_picture(session, index, sha256, id_, sides, known, words, THREADS, gallery)
    totals["scene_links"] += links
    totals["object_clues"] += clues
    totals["points"] += len(sides[0])


def _mark_done(session: Session, sha256: str, error: str | None) -> None:
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


def _picture(path: Path, settings: Settings) -> tuple[DecodedImage | None, str | None]:
    try:
        return decode_image(read_evidence(path), settings.image, DECODE_SIDE), None
    except (DecodeError, OSError) as exc:
        return None, f"decode: {exc}"


def _found(picture: DecodedImage) -> tuple[LocalFeatures, LocalFeatures]:
    """Features of a reduced decode and of its mirror image, in the original's pixels."""
    found, flipped = extract_with_mirror(np.asarray(picture.image.convert("L")))
    return (
        rescaled(found, picture.width, picture.height),
        rescaled(flipped, picture.width, picture.height),
    )


def _feature_ids(db: Database, shas: list[str]) -> set[int]:
    """Ids of the feature sets stored for these pictures at the current version."""
    found: set[int] = set()
    with db.session() as session:
        for start in range(0, len(shas), BATCH):
            found.update(
                session.scalars(
                    select(LocalFeatureSet.id).where(
                        LocalFeatureSet.media_sha256.in_(shas[start : start + BATCH]),
                        LocalFeatureSet.extractor == EXTRACTOR,
                    )
                )
            )
    return found


def _stored_features(db: Database, shas: list[str]) -> dict[str, tuple[int, LocalFeatures]]:
    """Features stored at the current version (by ingest, or by a killed run)."""
    with db.session() as session:
        rows = session.execute(
            select(LocalFeatureSet.media_sha256, LocalFeatureSet.id, LocalFeatureSet.data).where(
                LocalFeatureSet.media_sha256.in_(shas), LocalFeatureSet.extractor == EXTRACTOR
            )
        )
        return {sha: (id_, decode(data)) for sha, id_, data in rows if sha is not None}


def _store(
    db: Database, sha256: str, features: LocalFeatures
) -> tuple[set[int], tuple[int, LocalFeatures]]:
    """Store features, committed before linking; returns the ids of the rows of an older
    version's features it replaced, and the new row's id. A replaced row is deleted and a
    new one added, never rewritten in place: the table's stamp (row count, highest id)
    then changes, and an index that recorded the old one is brought into step
    (:func:`vidi.objects.features.index_in_step`)."""
    with db.session() as session:
        older = session.scalars(
            select(LocalFeatureSet).where(LocalFeatureSet.media_sha256 == sha256)
        ).all()
        replaced = {r.id for r in older}
        for row in older:
            session.delete(row)
        session.flush()
        row = LocalFeatureSet(
            media_sha256=sha256, extractor=EXTRACTOR, points=len(features), data=encode(features)
        )
        session.add(row)
        session.flush()
        return replaced, (row.id, features)


def _mirror_path(settings: Settings, sha256: str) -> Path:
    return settings.blob_dir / BlobStore(settings.blob_dir).relative_path(
        MIRROR_FEATURES, sha256, ".vlf"
    )


def _mirror_blob(settings: Settings, sha256: str) -> LocalFeatures | None:
    """The mirror-image features ingest left for this picture, if any (and readable)."""
    try:
        return decode(_mirror_path(settings, sha256).read_bytes())
    except (OSError, FeaturesDamaged):
        return None


def _drop_mirror_blob(settings: Settings, sha256: str) -> None:
    _mirror_path(settings, sha256).unlink(missing_ok=True)
