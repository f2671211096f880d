"""The object index kept in step with the features table, and features read back from it.

The ``local_features`` table is the truth; the index in ``<home>/index/objects`` is
derived from it. Opening the index adds every stored feature set it lacks (a run
killed after storing features but before saving the index loses nothing), trains the
vocabulary when there is none, and trains it again while the collection is still
small and has grown fourfold since (a vocabulary from 50 pictures suits 50,000 badly),
and once more when it is a large flat one from before the word tree.
A damaged index is rebuilt from the table with a one-line notice.

A reader (the region query, a gallery import) brings an index into step with
:func:`index_in_step` / :func:`descriptors_in_step`: the table's stamp, its row count
and highest id, is compared with the one the index recorded when it last held exactly
the table's feature sets, and only when they differ are the ids read (100,000 of them
took ~0.1 s a sync, a tenth of a query: docs/performance.md, "Object search, round 12").
The stamp changes with every change to the table: ids are never given twice (0017), a
picture described again gets a new row (:mod:`vidi.objects.stage`), so a row added
raises the highest id and a row deleted without one added lowers the count. On SQLite
one writer at a time commits its rows with ids above every committed one; on
PostgreSQL a transaction may commit a lower id after a higher one, so there the stamp
is recorded under a lock that waits for the table's writers and holds new ones off
while the ids are read.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import numpy as np
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from vidi.config import Settings
from vidi.fingerprints.local_features import EXTRACTOR, LocalFeatures, decode
from vidi.index.descriptors import DescriptorIndex
from vidi.index.objects import ObjectIndex
from vidi.index.storage import IndexDamaged
from vidi.index.vocabulary import TREE_FROM, Vocabulary, train_vocabulary
from vidi.notices import notice
from vidi.store.models import LocalFeatureSet
from vidi.store.queries import in_chunks

RETRAIN_GROWTH = 4
RETRAIN_UNTIL = 50_000
"""Feature sets after which the vocabulary is kept (retraining means re-adding them all)."""
TRAIN_SETS = 5_000
"""Feature sets whose descriptors train the vocabulary (spread evenly over the table)."""
CHUNK = 1_000
LOCK_WAIT = 5
"""Seconds a reader on PostgreSQL waits for the features table's writers before it syncs
without recording a stamp (the next reader then reads the ids again)."""
T = TypeVar("T")


def index_directory(settings: Settings) -> Path:
    return settings.index_dir / "objects"


def open_object_index(settings: Settings) -> ObjectIndex:
    """The object index, rebuilt empty (to be synced) when its files are damaged."""
    return _rebuilt_when_damaged(ObjectIndex.open, index_directory(settings), "object index")


def descriptor_directory(settings: Settings) -> Path:
    return settings.index_dir / "descriptors"


def open_descriptor_index(settings: Settings) -> DescriptorIndex:
    """The descriptor index, rebuilt empty (to be synced) when its files are damaged."""
    return _rebuilt_when_damaged(
        DescriptorIndex.open, descriptor_directory(settings), "descriptor index"
    )


def _rebuilt_when_damaged(open_: Callable[[Path], T], directory: Path, what: str) -> T:
    """``open_(directory)``; when its files are damaged, a one-line notice and an empty
    directory opened instead (both indexes are derived from the features table)."""
    try:
        return open_(directory)
    except IndexDamaged as damage:
        notice(f"the {what} {damage}; rebuilding it from the stored features")
        shutil.rmtree(directory, ignore_errors=True)
        return open_(directory)


def index_in_step(session: Session, index: ObjectIndex) -> None:
    """The object index made to hold exactly the stored feature sets (:func:`sync_index`)
    and saved, unless the table's stamp is the one it recorded when it last did."""
    if index.synced_with and index.synced_with == _table_stamp(session):
        return
    stamp, stored = _stamped_ids(session, galleries=True)
    sync_index(session, index, stored=stored)  # PostgreSQL's writers already let go
    if index.vocabulary is None:  # nothing stored yet: nothing to save
        return
    index.synced_with = stamp
    if index.unsaved:  # saved, or every later reader would add the same again
        index.save()


def descriptors_in_step(session: Session, index: DescriptorIndex, vocabulary: Vocabulary) -> None:
    """The descriptor index made to hold exactly the pictures' stored feature sets under
    ``vocabulary``'s words (:func:`sync_descriptors`) and saved, unless it did when the
    table's stamp was what it is now."""
    anew = index.use(vocabulary, EXTRACTOR)  # a new vocabulary: everything again
    if not anew and index.synced_with and index.synced_with == _table_stamp(session):
        return
    stamp, stored = _stamped_ids(session, galleries=False)
    sync_descriptors(session, index, vocabulary, stored)
    index.synced_with = stamp
    if index.unsaved:
        index.save()


def _table_stamp(session: Session) -> str:
    """The features table's row count and highest id: any change to its rows changes it."""
    count, highest = session.execute(
        select(func.count(), func.max(LocalFeatureSet.id)).select_from(LocalFeatureSet)
    ).one()
    return f"{count}:{highest or 0}"


def _stamped_ids(session: Session, galleries: bool) -> tuple[str | None, list[int]]:
    """The feature sets' ids (:func:`_stored_ids`) and the table's stamp they stand for;
    None when they were read without the lock (:func:`_held_still`) or the table changed
    meanwhile. The stamp is read first (a row committed after it has a higher id, so
    that stamp never matches again while the row is stored) and again after: SQLite
    reads each statement apart, not in one snapshot."""
    with _held_still(session) as (reading, held):
        before = _table_stamp(reading)
        ids = _stored_ids(reading, galleries)
        after = _table_stamp(reading)
    return (before if held and after == before else None), ids


@contextmanager
def _held_still(session: Session) -> Iterator[tuple[Session, bool]]:
    """A session to read the ids and the stamp in, and whether a stamp read there stands
    for exactly those ids. SQLite: ``session`` itself (its one writer's new ids are above
    every committed id). PostgreSQL: a transaction of its own that locks the features
    table in SHARE mode (it waits for the transactions writing it to end and holds new
    ones off) until it ends after the reads, so only the ids are read under it (~0.1 s
    at 100,000 pictures), not the features added after (a catch-up can take minutes);
    those are read in ``session``, which sees every row committed by then (PostgreSQL's
    default isolation, read committed). When the lock is not had within
    :data:`LOCK_WAIT` (a long gallery import), or may not be taken, ``session`` unlocked
    and no stamp."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        yield session, True
        return
    locked = Session(bind)
    try:
        try:
            locked.execute(text(f"SET LOCAL lock_timeout = '{LOCK_WAIT}s'"))
            locked.execute(text("LOCK TABLE local_features IN SHARE MODE"))
            held = True
        except (OperationalError, ProgrammingError):  # waited too long; a role without
            locked.rollback()  # the right to lock (it needs UPDATE or DELETE on the table)
            held = False
        if held:
            yield locked, True
    finally:
        locked.close()  # its transaction ends: the lock is let go
    if not held:
        yield session, False


def sync_descriptors(
    session: Session,
    index: DescriptorIndex,
    vocabulary: Vocabulary,
    stored: Collection[int] | None = None,
) -> int:
    """Add the pictures' stored feature sets (of the current extractor) the descriptor
    index lacks, listed under ``vocabulary``'s words (the object index's: when it was
    trained again, everything is added again), and drop those no longer stored; returns
    how many were added (the caller saves: :func:`descriptors_in_step`, which reads the
    pictures' ids, ``stored``, first). Gallery items are not held: a gallery is asked
    item by item (:mod:`vidi.index.gallery_index`)."""
    index.use(vocabulary, EXTRACTOR)
    pictures = set(_stored_ids(session, galleries=False) if stored is None else stored)
    held = index.ids  # one set, not a look in every segment a picture
    index.drop(held - pictures)
    # A held set is of this extractor (a set described again gets a new id; the index
    # starts over for a new extractor): only the others are read to see which extractor
    # described them.
    missing = sorted(
        id_
        for chunk in in_chunks(sorted(pictures - held))
        for id_ in session.scalars(
            select(LocalFeatureSet.id).where(
                LocalFeatureSet.id.in_(chunk), LocalFeatureSet.extractor == EXTRACTOR
            )
        )
    )
    for start in range(0, len(missing), CHUNK):
        found = load_features(session, missing[start : start + CHUNK])
        index.add((id_, f.descriptors) for id_, f in found.items())
    return len(missing)


def load_features(session: Session, ids: Iterable[int]) -> dict[int, LocalFeatures]:
    """Stored features by feature-set id."""
    wanted = list(ids)
    found: dict[int, LocalFeatures] = {}
    for start in range(0, len(wanted), CHUNK):
        rows = session.execute(
            select(LocalFeatureSet.id, LocalFeatureSet.data).where(
                LocalFeatureSet.id.in_(wanted[start : start + CHUNK])
            )
        )
        for id_, data in rows:
            found[id_] = decode(data)
    return found


def sync_index(
    session: Session,
    index: ObjectIndex,
    later: Collection[int] = (),
    stored: Collection[int] | None = None,
) -> int:
    """Add the stored feature sets the index lacks (training its vocabulary first when
    due), except those in ``later`` (the feature stage adds each picture it links when it
    links it, assigning its words once), and drop those no longer stored; returns how
    many were added or dropped (a caller that is not the stage saves when any were, so
    that the next caller need not do it again). ``stored``: the ids, when already read
    (:func:`index_in_step`)."""
    total = session.scalar(select(func.count()).select_from(LocalFeatureSet)) or 0
    if total == 0:
        return 0
    due = index.trained_on < RETRAIN_UNTIL and total >= RETRAIN_GROWTH * index.trained_on
    flat = index.vocabulary is not None and not index.vocabulary.is_tree
    if flat and len(index.vocabulary or ()) >= TREE_FROM:
        notice("the object index's vocabulary is from before the word tree; training it again")
        due = True
    if index.vocabulary is None or due:
        index.reset(train_vocabulary(_training_descriptors(session, total)), total)
    stored = sorted(_stored_ids(session) if stored is None else stored)
    dropped = index.drop(index.ids - set(stored))  # deleted since (a replaced gallery)
    missing = [id_ for id_ in stored if id_ not in index and id_ not in later]
    vocabulary = index.vocabulary
    assert vocabulary is not None
    index.add_many(
        (id_, vocabulary.words(features.descriptors))
        for start in range(0, len(missing), CHUNK)
        for id_, features in load_features(session, missing[start : start + CHUNK]).items()
    )
    return len(missing) + dropped


def _stored_ids(session: Session, galleries: bool = True) -> list[int]:
    """The feature sets' ids (pictures', then gallery items' unless not ``galleries``),
    read from the unique index on their media, not from the table: the table's rows hold
    the feature blobs, and SQLite scanned them for the ids, 130-160 ms a sync at 100,000
    pictures against ~35 ms (docs/performance.md, "Object search, round 11")."""
    media = LocalFeatureSet.media_sha256
    ids = list(session.scalars(select(LocalFeatureSet.id).where(media.is_not(None))))
    if galleries:
        ids += session.scalars(select(LocalFeatureSet.id).where(media.is_(None)))
    return ids


def _training_descriptors(session: Session, total: int) -> np.ndarray:
    step = max(1, total // TRAIN_SETS)
    ids = list(session.scalars(select(LocalFeatureSet.id).order_by(LocalFeatureSet.id)))[::step]
    sets = load_features(session, ids).values()
    return np.concatenate([f.descriptors for f in sets] or [np.zeros((0, 32), np.uint8)])
