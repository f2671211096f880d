"""The object index kept in step with the features table, and features read back from it.

The ``local_features`` table is the truth; the index in ``<home>/index/objects`` is
derived from it. Opening the index adds every stored feature set it lacks (a run
killed after storing features but before saving the index loses nothing), trains the
vocabulary when there is none, and trains it again while the collection is still
small and has grown fourfold since (a vocabulary from 50 pictures suits 50,000 badly),
and once more when it is a large flat one from before the word tree.
A damaged index is rebuilt from the table with a one-line notice.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import TypeVar

import numpy as np
from sqlalchemy import func, select
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


def sync_descriptors(session: Session, index: DescriptorIndex, vocabulary: Vocabulary) -> int:
    """Add the pictures' stored feature sets (of the current extractor) the descriptor
    index lacks, listed under ``vocabulary``'s words (the object index's: when it was
    trained again, everything is added again), drop those no longer stored, and save
    when anything changed; returns how many were added. Gallery items are not held: a
    gallery is asked item by item (:mod:`vidi.index.gallery_index`)."""
    anew = index.use(vocabulary, EXTRACTOR)
    stored = set(_stored_ids(session, galleries=False))
    held = index.ids  # one set, not a look in every segment a picture
    dropped = index.drop(held - stored)
    # A held set is of this extractor (a set described again keeps its id and is added
    # again only once the index starts over for a new extractor): only the others are
    # read to see which extractor described them.
    missing = sorted(
        id_
        for chunk in in_chunks(sorted(stored - held))
        for id_ in session.scalars(
            select(LocalFeatureSet.id).where(
                LocalFeatureSet.id.in_(chunk), LocalFeatureSet.extractor == EXTRACTOR
            )
        )
    )
    for start in range(0, len(missing), CHUNK):
        found = load_features(session, missing[start : start + CHUNK])
        index.add((id_, f.descriptors) for id_, f in found.items())
    if anew or dropped or missing:
        index.save()
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


def sync_index(session: Session, index: ObjectIndex, later: Collection[int] = ()) -> int:
    """Add the stored feature sets the index lacks (training its vocabulary first when
    due), except those in ``later`` (the feature stage adds each picture it links when it
    links it, assigning its words once), and drop those no longer stored; returns how
    many were added or dropped (a caller that is not the stage saves when any were, so
    that the next caller need not do it again)."""
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
    stored = sorted(_stored_ids(session))
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
