"""Candidates from the index, checked geometrically: the one search every workflow uses.

A query is a picture's features and those of its mirror image (ORB is not
mirror-invariant; asking twice costs a query, indexing twice would double the index).
The index proposes ``CANDIDATES`` feature sets by TF-IDF; each is verified with a
RANSAC homography and kept when it has at least ``min_inliers`` inliers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from vidi.fingerprints.local_features import LocalFeatures
from vidi.index.gallery_index import GalleryIndex
from vidi.index.geometry import Verified, verify_many
from vidi.index.objects import Candidate, ObjectIndex
from vidi.objects.features import load_features

CANDIDATES = 20
"""Feature sets verified per query side: TF-IDF puts the true hit among these (bench)."""
LINK_CANDIDATES = 8
"""Per side when the feature stage links a new picture: a copy of the same scene shares
most of its words and ranks near the top; each verification costs two 700 × 700
matches, and the stage runs one query per new picture."""
LINK_POINTS = 700
"""Points of each side the stage verifies a link with (the first stored: the strongest)."""
LINK_MIN_SCORE = 0.0
"""TF-IDF score under which the stage does not verify a candidate (see docs/performance.md,
"Object search, round 3: the stage's cost")."""
MIN_INLIERS = 12
"""A verified hit: no unrelated pair of 10,000 generated pictures reached it (bench)."""
GALLERY_CANDIDATES = 3
"""Gallery entries (items and their mirror images) verified for a new picture, those with
most votes (:class:`~vidi.index.gallery_index.GalleryIndex`); 2 found 3 fewer of 60."""
GALLERY_MIN_VOTES = 4
"""Votes under which an entry is not verified. Unrelated items got at most 5-7 votes
(one per item descriptor), and only 100 of 50,340 got 4 or more, so most pictures
verify none; 5 found 8 fewer of 60 pictures among 1,000 items (bench/gallery_rank.py)."""


@dataclass(frozen=True)
class VerifiedHit:
    id: int
    """The feature set's id (a media item's or a gallery item's)."""
    inliers: int
    score: float
    region: tuple[int, int, int, int] | None
    mirrored: bool


def verified_hits(
    session: Session,
    index: ObjectIndex,
    queries: list[LocalFeatures],
    allowed: np.ndarray | None = None,
    exclude: int | None = None,
    min_inliers: int = MIN_INLIERS,
    candidates: int = CANDIDATES,
    known: dict[int, LocalFeatures] | None = None,
    min_score: float = 0.0,
    points: int | None = None,
    scoring: str = "cosine",
    words: list[np.ndarray | None] | None = None,
    nearest: int = 1,
    threads: int = 1,
    skip: int = 0,
) -> list[VerifiedHit]:
    """Verified hits for the query (``queries[1]``, if given, is its mirror), best first.

    ``known``: feature sets already read (the feature stage keeps those of a batch); the
    others are read in one query and added to it. ``min_score``: candidates scoring less
    by TF-IDF are not verified (the stage's floor, :data:`LINK_MIN_SCORE`). ``points``:
    verify with at most this many points of each side (their first: stored strongest
    first), so the stage's cost per candidate does not grow with the points stored.
    ``scoring``: how the index ranks candidates (:meth:`ObjectIndex.search`). ``words``:
    a query side's visual words when already assigned (the stage's, from indexing it).
    ``nearest``: words each query descriptor is quantised to. ``threads``: verify on that
    many threads. ``skip``: pass over each side's first ``skip`` candidates (an earlier
    call verified them). The region query ranks its candidates once and verifies them a
    batch at a time with :func:`verified_candidates` (:mod:`vidi.objects.search`)."""
    vocabulary = index.vocabulary
    if vocabulary is None:
        return []
    given = list(words or [])
    given += [None] * (len(queries) - len(given))
    asked = [
        vocabulary.words(q.search_descriptors(), nearest) if w is None else w
        for q, w in zip(queries, given, strict=True)
    ]
    sides = [
        [
            c
            for c in index.search(side_words, skip + candidates, allowed, scoring)[skip:]
            if c.id != exclude and c.score >= min_score
        ]
        for side_words in asked
    ]
    return verified_candidates(session, queries, sides, min_inliers, known, points, threads)


def verified_candidates(
    session: Session,
    queries: list[LocalFeatures],
    sides: list[list[Candidate]],
    min_inliers: int = MIN_INLIERS,
    known: dict[int, LocalFeatures] | None = None,
    points: int | None = None,
    threads: int = 1,
) -> list[VerifiedHit]:
    """Each query side (``queries[1]``, if given, is the mirror) verified against its
    candidates (``sides``, one list a side; :func:`verified_hits` for ``known`` and
    ``points``); the hits, best first."""
    stored = known if known is not None else {}
    wanted = {c.id for found in sides for c in found if c.id not in stored}
    stored.update(load_features(session, wanted))
    checks = [
        (side, candidate, query)
        for side, (query, found) in enumerate(zip(queries, sides, strict=True))
        for candidate in found
        if candidate.id in stored  # a row whose media was deleted since the index was saved
    ]
    results = verify_many(
        [(_first(query, points), _first(stored[c.id], points)) for _, c, query in checks],
        min_inliers,
        threads,
    )
    return best_hits(
        (
            (c.id, c.score, side == 1, checked)
            for (side, c, _), checked in zip(checks, results, strict=True)
        ),
        min_inliers,
    )


def gallery_hits(
    gallery: GalleryIndex, picture: LocalFeatures, min_inliers: int = MIN_INLIERS, threads: int = 1
) -> list[VerifiedHit]:
    """Verified hits among a gallery's items (and their mirror images) for a picture: the
    :data:`GALLERY_CANDIDATES` with most votes from its points, verified with all points
    of both (an item's few points in a picture are rarely among its strongest)."""
    ranked = gallery.rank(picture.descriptors, GALLERY_CANDIDATES, GALLERY_MIN_VOTES)
    results = verify_many([(picture, r.entry.features) for r in ranked], min_inliers, threads)
    return best_hits(
        (
            (r.entry.id, float(r.votes), r.entry.mirrored, checked)
            for r, checked in zip(ranked, results, strict=True)
        ),
        min_inliers,
    )


def best_hits(
    verified: Iterable[tuple[int, float, bool, Verified]], min_inliers: int
) -> list[VerifiedHit]:
    """Each feature set's best verification (id, score, mirrored side, result) that reached
    ``min_inliers``, best first."""
    return merged_hits(
        [
            VerifiedHit(id_, checked.inliers, score, checked.region, mirrored)
            for id_, score, mirrored, checked in verified
            if checked.inliers >= min_inliers
        ]
    )


def merged_hits(*found: list[VerifiedHit]) -> list[VerifiedHit]:
    """Several searches' hits as one list: each feature set's best, best first."""
    best: dict[int, VerifiedHit] = {}
    for hits in found:
        for hit in hits:
            if hit.id not in best or best[hit.id].inliers < hit.inliers:
                best[hit.id] = hit
    return sorted(best.values(), key=lambda h: (-h.inliers, h.id))


def _first(features: LocalFeatures, points: int | None) -> LocalFeatures:
    if points is None or len(features) <= points:
        return features
    return LocalFeatures(
        features.points[:points], features.descriptors[:points], features.width, features.height
    )
