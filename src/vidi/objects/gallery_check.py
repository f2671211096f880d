"""A case's pictures asked of the galleries again: for a gallery imported after them.

The feature stage asks each new picture of the galleries as it links it, so a gallery
imported (or replaced) later has not been asked of the pictures linked before.
``vidi gallery check --case NAME`` (:meth:`vidi.Workbench.check_galleries`) asks every
picture of the case whose features are stored, from those features (nothing is decoded
again), and adds an ``object_match`` clue for each item found that the picture has no
clue of. Clues made before are kept, so a run killed part way, run again, adds only what
is still missing; each batch of pictures is one commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from vidi.errors import VidiError
from vidi.fingerprints.local_features import EXTRACTOR
from vidi.objects.features import load_features
from vidi.objects.gallery import gallery_index
from vidi.objects.links import add_gallery_clues
from vidi.objects.matching import gallery_hits
from vidi.progress import CountProgress
from vidi.store.db import Database
from vidi.store.models import LocalFeatureSet
from vidi.store.queries import case_media, in_chunks

BATCH = 200


@dataclass(frozen=True)
class GalleryCheck:
    pictures: int
    """Pictures of the case asked (those with stored features)."""
    object_clues: int
    """Clues added."""


def check_galleries(
    db: Database, case_id: int, progress: CountProgress | None = None
) -> GalleryCheck:
    """Ask the case's pictures of every imported gallery; add the clues still missing."""
    with db.session() as session:
        gallery = gallery_index(session)
        if gallery is None:
            raise VidiError("no gallery is imported: vidi gallery import DIR --name NAME first")
        pictures = session.execute(
            select(LocalFeatureSet.media_sha256, LocalFeatureSet.id)
            .where(
                LocalFeatureSet.media_sha256.in_(case_media(case_id)),
                LocalFeatureSet.extractor == EXTRACTOR,
            )
            .order_by(LocalFeatureSet.id)
        ).all()
    if progress is not None:
        progress.start(len(pictures))
    added = 0
    try:
        for batch in in_chunks(pictures, BATCH):
            with db.session() as session:
                stored = load_features(session, [id_ for _, id_ in batch])
                for sha256, id_ in batch:
                    if sha256 is not None and id_ in stored:  # not deleted since
                        hits = gallery_hits(gallery, stored[id_])
                        added += add_gallery_clues(session, sha256, hits, stored[id_])
            if progress is not None:
                progress.advance(len(batch))
    finally:
        if progress is not None:
            progress.finish()
    return GalleryCheck(len(pictures), added)
