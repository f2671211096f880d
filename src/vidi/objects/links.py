"""Same-scene links and gallery clues for one picture, from its verified hits.

A picture that shares at least :data:`SCENE_MIN_INLIERS` verified features with
another picture (the same wallpaper, the same furniture, the same toy) is linked to it
by a ``match`` row of kind ``scene`` in both directions; the near-duplicate groups
(the series proposals) follow these links like PDQ ones. A hit on a gallery item
becomes an ``object_match`` clue whose value is the item's label; its country reaches
the estimate (:func:`vidi.estimates.clue_evidence`).
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vidi.fingerprints.local_features import EXTRACTOR, LocalFeatures
from vidi.index.gallery_index import GalleryIndex
from vidi.index.geometry import verify
from vidi.index.objects import ObjectIndex
from vidi.objects.features import load_features
from vidi.objects.matching import (
    LINK_CANDIDATES,
    LINK_MIN_SCORE,
    LINK_POINTS,
    MIN_INLIERS,
    VerifiedHit,
    gallery_hits,
    merged_hits,
    verified_hits,
)
from vidi.store.inserts import insert_ignoring_conflicts
from vidi.store.models import Clue, Gallery, GalleryItem, LocalFeatureSet, Match

SCENE_KIND = "scene"
SCENE_MIN_INLIERS = MIN_INLIERS
GALLERY_EXTRACTOR = "gallery"
FULL_CONFIDENCE_INLIERS = 60
"""Inliers at which a gallery hit counts with full confidence (fewer count less)."""


def link_picture(
    session: Session,
    index: ObjectIndex,
    sha256: str,
    features_id: int,
    sides: list[LocalFeatures],
    known: dict[int, LocalFeatures] | None = None,
    words: np.ndarray | None = None,
    threads: int = 1,
    gallery: GalleryIndex | None = None,
) -> tuple[int, int]:
    """Store the picture's scene links and gallery clues; returns how many of each.

    ``known``: feature sets already read; ``words``: the picture's visual words, when
    already assigned; ``threads``: the candidates are verified on that many threads
    (:func:`~vidi.objects.matching.verified_hits`); ``gallery``: every gallery item's
    descriptors, asked of the picture's points besides the object index (a small item
    rarely ranks among a large case's link candidates)."""
    hits = verified_hits(
        session,
        index,
        sides,
        exclude=features_id,
        candidates=LINK_CANDIDATES,
        known=known,
        min_score=LINK_MIN_SCORE,
        points=LINK_POINTS,
        words=[words, None],
        threads=threads,
    )
    if gallery is not None:
        hits = merged_hits(hits, gallery_hits(gallery, sides[0], threads=threads))
    owners = _owners(session, [h.id for h in hits])
    scene = [(h, owners[h.id][0]) for h in hits if h.id in owners and owners[h.id][0]]
    rows = []
    for hit, other in scene:
        if other == sha256 or hit.inliers < SCENE_MIN_INLIERS:
            continue
        detail = {"inliers": hit.inliers, "mirrored": hit.mirrored, "extractor": EXTRACTOR}
        for a, b in ((sha256, other), (other, sha256)):
            rows.append(
                {
                    "media_sha256": a,
                    "other_sha256": b,
                    "kind": SCENE_KIND,
                    "distance": 0.0,
                    "detail": detail,
                }
            )
    insert_ignoring_conflicts(session, Match, rows)
    items = [(h, owners[h.id][1]) for h in hits if h.id in owners and owners[h.id][1]]
    return len(rows) // 2, _gallery_clues(session, sha256, items, sides[0], replace=True)


def add_gallery_clues(
    session: Session, sha256: str, hits: list[VerifiedHit], features: LocalFeatures
) -> int:
    """Clues for the gallery items among ``hits`` that the picture has no clue of yet (a
    gallery checked again: :mod:`vidi.objects.gallery_check`); returns how many."""
    owners = _owners(session, [h.id for h in hits])
    items = [(h, owners[h.id][1]) for h in hits if h.id in owners and owners[h.id][1]]
    return _gallery_clues(session, sha256, items, features, replace=False)


def _owners(session: Session, ids: list[int]) -> dict[int, tuple[str | None, int | None]]:
    rows = session.execute(
        select(
            LocalFeatureSet.id, LocalFeatureSet.media_sha256, LocalFeatureSet.gallery_item_id
        ).where(LocalFeatureSet.id.in_(ids))
    )
    return {id_: (sha, item) for id_, sha, item in rows}


def _gallery_clues(
    session: Session,
    sha256: str,
    items: list[tuple[VerifiedHit, int | None]],
    picture: LocalFeatures,
    replace: bool,
) -> int:
    """Store a clue for each (hit, gallery item): in place of the picture's gallery clues
    (``replace``), or beside them for the items it has none of."""
    mine = (Clue.media_sha256 == sha256, Clue.extractor == GALLERY_EXTRACTOR)
    have: set[object] = set()
    if replace:
        session.execute(delete(Clue).where(*mine))
    else:
        have = {
            (c.detail or {}).get("gallery_item") for c in session.scalars(select(Clue).where(*mine))
        }
    count = 0
    for hit, item_id in items:
        item = session.get(GalleryItem, item_id)
        if item is None or item.id in have:
            continue
        have.add(item.id)
        gallery = session.get(Gallery, item.gallery_id)
        # Where the item lies in the picture: verified the other way round (an item seen
        # mirrored has no outline in the picture's own pixels worth drawing).
        item_features = load_features(session, [hit.id]).get(hit.id)
        placed = verify(item_features, picture) if item_features and not hit.mirrored else None
        region = None
        if placed is not None and placed.region is not None:
            x, y, w, h = placed.region
            region = {"x": x, "y": y, "width": w, "height": h}
        session.add(
            Clue(
                media_sha256=sha256,
                kind="object_match",
                value=item.label,
                confidence=min(1.0, hit.inliers / FULL_CONFIDENCE_INLIERS),
                region=region,
                detail={
                    "gallery": gallery.name if gallery else None,
                    "gallery_item": item.id,
                    "file": item.file,
                    "country": item.country,
                    "note": item.note,
                    "inliers": hit.inliers,
                    "mirrored": hit.mirrored,
                },
                extractor=GALLERY_EXTRACTOR,
                extractor_version=EXTRACTOR,
            )
        )
        count += 1
    return count
