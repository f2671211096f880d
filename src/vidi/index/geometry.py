"""Geometric verification: do two pictures' matching keypoints agree on one transform?

Why: two unrelated pictures share some similar patches by chance (visual words, and
even descriptor matches); they almost never share a dozen that one homography maps
onto each other. The count of such inliers is the evidence a hit is shown with, and
the box a query's corners land in is where the object sits in the hit.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import faiss
import numpy as np

from vidi.fingerprints.local_features import LocalFeatures
from vidi.index.openmp import shared_pool

cv2.setNumThreads(1)
# One thread for OpenCV in any process that verifies: a verification is many small
# matches, which OpenCV's thread pool slowed nine times on a busy machine; Vidi runs
# work in parallel by processes (ingest workers, shards).

RATIO = 0.8
"""Lowe's ratio test on Hamming distances: the best match must clearly beat the second."""
REPROJECTION_PX = 5.0
"""RANSAC inlier distance, in pixels of a 640-pixel picture."""
MIN_SPREAD_PX = 6.0
"""Inliers must spread this far (standard deviation across their narrowest axis)."""
MAX_HAMMING = 80
"""Descriptor pairs further apart than this (of 256 bits) are never a match."""
MAX_ANISOTROPY = 4.0
"""Where the inliers lie, the transform may stretch one way at most this much more than
the other: a flat object seen at 75° from the front in one picture and from the front in
the other (1 / cos 75° ≈ 4). Chance agreements between unrelated pictures are mostly
folded, collapsed or stretched far more (docs/performance.md, "Object search, round 6")."""


AFFINE_FALLBACK = True
"""Whether a caller's ``affine=True`` is honoured (off: every verification fits a
homography alone). Callers ask for the affine fallback only with a drawn box's own
points: a whole picture's thousands of points against 2,000 stored ones meet more
chance agreements, and an affine fit lets some of them through (one wrong hit of 18
inliers in 60 crops of 10 %, docs/performance.md, "Object search, round 10")."""


@dataclass(frozen=True)
class Verified:
    """How well a query matched one candidate: inliers, and where the query lands in it."""

    inliers: int
    matches: int
    region: tuple[int, int, int, int] | None
    """(x, y, width, height) of the query's outline mapped into the candidate's pixels."""


NOTHING = Verified(0, 0, None)
RETRY_INLIERS = 9
"""A query's simulated tilts (:data:`~vidi.fingerprints.local_features.TILTS`) are verified
only when its points as drawn reached this many inliers. Of 100 objects pasted into new
rooms, the tilts found 9 more boxes and 18 more whole pictures than the points as drawn;
15 of those 27 had 9-17 inliers as drawn, while 1-2 % of unrelated candidates reach 9, so
almost every candidate is verified once (docs/performance.md, "Object search, round 5").
Unrelated generated rooms share 30-50 matches with a query, so a match count cannot
tell the near misses."""


def _matches(
    query: LocalFeatures, other: LocalFeatures, ratio: float = RATIO
) -> list[tuple[int, int]]:
    """Mutual nearest neighbours that pass the ratio test from at least one side (a small
    object in a large picture passes it from its own side, rarely from the picture's).

    The Hamming distances come from FAISS (32-byte codes, one table in reused per-thread
    memory); each side's nearest is read along the table's rows and columns, and the
    second-nearest distances (for the ratio test) only for the mutual pairs: 1.1 ms for
    1,143 × 2,000 points where a table each way took 2.2 ms, with the same pairs and
    the same ``verify`` results on 60 pairs (pasted objects, unrelated, scene views).
    OpenCV's brute-force matcher took ~5 ms for two directions of 700 × 700."""
    if len(query) < 2 or len(other) < 2:
        return []
    table = _distances(query.descriptors, other.descriptors)
    forward = table.argmin(axis=1)
    rows = np.arange(len(forward))
    best = table[rows, forward]
    # Mutual: the row is its column's nearest (the first of equals, as argmin along the
    # column would say; NumPy's argmin down columns is ten times slower than min).
    column_best = table.min(axis=0)
    q = np.flatnonzero((best == column_best[forward]) & (best <= MAX_HAMMING))
    if len(q) == 0:
        return []
    o = forward[q]
    columns = table[:, o]
    mutual = (columns == column_best[o]).argmax(axis=0) == q
    q, o, columns = q[mutual], o[mutual], columns[:, mutual]
    if len(q) == 0:
        return []
    best = best[q]
    # Second-nearest distances: each pair's own entry set aside, the smallest left.
    pair = np.arange(len(q))
    own_rows = table[q]
    own_rows[pair, o] = np.iinfo(np.int32).max
    forward_second = own_rows.min(axis=1)
    columns[q, pair] = np.iinfo(np.int32).max
    backward_second = columns.min(axis=0)
    passes = (best < ratio * forward_second) | (best < ratio * backward_second)
    return list(zip(q[passes].tolist(), o[passes].tolist(), strict=True))


class _Scratch(threading.local):
    """A reused distance table per thread: a fresh 2-MB table each time cost more in page
    faults than FAISS takes to fill it."""

    table = np.empty(0, np.int32)


_scratch = _Scratch()


def _distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(len(a), len(b)) Hamming distances between two sets of 32-byte descriptors, in the
    thread's reused table (valid until the thread's next call)."""
    a = np.ascontiguousarray(a, np.uint8)
    b = np.ascontiguousarray(b, np.uint8)
    if _scratch.table.size < len(a) * len(b):
        _scratch.table = np.empty(len(a) * len(b), np.int32)
    table = _scratch.table[: len(a) * len(b)].reshape(len(a), len(b))
    faiss.hammings(  # type: ignore[attr-defined]  # not in FAISS's type stubs; one thread
        faiss.swig_ptr(a), faiss.swig_ptr(b), len(a), len(b), a.shape[1], faiss.swig_ptr(table)
    )
    return table


def verify(
    query: LocalFeatures,
    other: LocalFeatures,
    min_inliers: int = 5,
    ratio: float = RATIO,
    affine: bool = False,
) -> Verified:
    """Inliers of the homography (RANSAC) that best maps ``query``'s matches onto ``other``.

    Fewer matches than ``min_inliers`` cannot make a hit, so the RANSAC is skipped: most
    candidates are rejected by their match count alone. The RANSAC is OpenCV's USAC
    (local optimisation, early stop): as many inliers as 2,000 plain RANSAC rounds at a
    fraction of the time (bench/objects.py).

    A query with simulated tilts (points after its :attr:`~LocalFeatures.searched` ones)
    is verified first as drawn, and whole only when that came close
    (:data:`RETRY_INLIERS`); the better result counts. ``ratio``: the matches' ratio test
    (:data:`RATIO` unless a caller measured another for its candidates). ``affine``: where
    enough matches agree on a homography no camera makes, an affine transform is tried
    (:func:`_affine`; for a drawn box's points, see :data:`AFFINE_FALLBACK`).
    """
    if query.searched is None or query.searched >= len(query):
        return _verify(query, other, min_inliers, ratio, affine)
    retry = min(min_inliers, RETRY_INLIERS)
    drawn = _verify(query.head(query.searched), other, retry, ratio, affine)
    if drawn.inliers < RETRY_INLIERS:
        return drawn
    whole = _verify(query, other, min_inliers, ratio, affine)
    return whole if whole.inliers > drawn.inliers else drawn


def verify_many(
    pairs: Sequence[tuple[LocalFeatures, LocalFeatures]],
    min_inliers: int = 5,
    threads: int = 1,
    ratio: float = RATIO,
    affine: bool = False,
) -> list[Verified]:
    """:func:`verify` for each (query, candidate) pair, in order, on up to ``threads``
    threads: FAISS's Hamming tables and OpenCV's RANSAC run without Python's lock, so a
    region query's 200 verifications use every core (each thread has its own table)."""
    if threads <= 1 or len(pairs) < 2:
        return [verify(query, other, min_inliers, ratio, affine) for query, other in pairs]
    return list(
        shared_pool(threads).map(
            lambda pair: verify(pair[0], pair[1], min_inliers, ratio, affine), pairs
        )
    )


def _verify(
    query: LocalFeatures,
    other: LocalFeatures,
    min_inliers: int,
    ratio: float = RATIO,
    affine: bool = False,
) -> Verified:
    pairs = _matches(query, other, ratio)
    enough = max(5, min_inliers)
    if len(pairs) < enough:
        return Verified(0, len(pairs), None)
    # Both sides on a common scale, so one pixel threshold suits large and small pictures.
    q_scale = 640 / max(query.width, query.height)
    o_scale = 640 / max(other.width, other.height)
    source = np.array([query.points[q] for q, _ in pairs], np.float32) * q_scale
    target = np.array([other.points[o] for _, o in pairs], np.float32) * o_scale
    homography, mask = cv2.findHomography(
        source, target, cv2.USAC_ACCURATE, REPROJECTION_PX, maxIters=2000, confidence=0.995
    )
    view = _camera_view(homography, mask, source)
    if view is None and affine and AFFINE_FALLBACK and mask is not None and mask.sum() >= enough:
        # Enough matches agree, on a transform no camera makes: an ill-conditioned fit?
        view = _camera_view(*_affine(source, target), source)
    if view is None:
        return Verified(0, len(pairs), None)
    homography, kept = view
    inliers = _spread_inliers(target[kept])
    outline = [[0, 0], [query.width, 0], [query.width, query.height], [0, query.height]]
    corners = np.array(outline, np.float32).reshape(-1, 1, 2) * q_scale
    mapped = cv2.perspectiveTransform(corners, homography).reshape(-1, 2) / o_scale
    return Verified(inliers, len(pairs), _box(mapped, other.width, other.height))


def _camera_view(
    homography: np.ndarray | None, mask: np.ndarray | None, source: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """The transform and its inliers (a boolean mask), when a camera can make it."""
    if homography is None or mask is None or not _plausible(homography):
        return None
    kept = mask.ravel().astype(bool)
    return (homography, kept) if _seen_by_a_camera(homography, source[kept]) else None


def _affine(source: np.ndarray, target: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The affine transform (as a homography) most matches agree on, and their mask.

    Why: where a query's inliers lie close together (a small object, or one far from the
    query's corner), a homography fitted to them is ill-conditioned. Its perspective
    part is barely constrained, so it can mirror or collapse the plane away from them
    and fail :func:`_plausible`, although it maps the inliers well. Over a small patch a
    camera's view is nearly affine, and an affine transform has no perspective part to
    go wrong (docs/performance.md, "Object search, round 10")."""
    affine, mask = cv2.estimateAffine2D(
        source,
        target,
        method=cv2.RANSAC,
        ransacReprojThreshold=REPROJECTION_PX,
        maxIters=2000,
        confidence=0.995,
    )
    if affine is None:
        return None, None
    return np.vstack([affine, [0.0, 0.0, 1.0]]), mask


def _spread_inliers(points: np.ndarray) -> int:
    """Inliers, counted only when they cover an area: points along one edge prove nothing."""
    if len(points) < 4:
        return 0
    spread = np.sqrt(np.clip(np.linalg.eigvalsh(np.cov(points.T)), 0, None))
    return len(points) if spread[0] >= MIN_SPREAD_PX else 0


def _plausible(homography: np.ndarray) -> bool:
    """A transform a camera can make: no mirror, no collapse, no extreme shrink or stretch."""
    affine = homography[:2, :2] / homography[2, 2]
    det = float(np.linalg.det(affine))
    perspective = float(np.abs(homography[2, :2] / homography[2, 2]).max())
    return 1e-3 < det < 1e3 and perspective < 0.01


def _seen_by_a_camera(homography: np.ndarray, points: np.ndarray) -> bool:
    """Whether the transform is one a camera makes of a flat thing where the inliers lie.

    The rectangle around the query's inliers must stay on one side of the transform's
    horizon and map to a convex outline, without a mirror, and the transform's local
    stretch there (its Jacobian at the inliers' centre) must stay within
    :data:`MAX_ANISOTROPY`. ``_plausible`` looks at the transform at the query's corner,
    which says little about a small object far from it."""
    if len(points) < 4:
        return False
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    box = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64)
    depth = box @ homography[2, :2] + homography[2, 2]
    if not ((depth > 0).all() or (depth < 0).all()):
        return False
    mapped = cv2.perspectiveTransform(box.reshape(-1, 1, 2), homography).astype(np.float32)
    if not cv2.isContourConvex(mapped):
        return False
    x, y = points.mean(axis=0)
    w = homography[2, 0] * x + homography[2, 1] * y + homography[2, 2]
    u = (homography[0, 0] * x + homography[0, 1] * y + homography[0, 2]) / w
    v = (homography[1, 0] * x + homography[1, 1] * y + homography[1, 2]) / w
    jacobian = (homography[:2, :2] - np.outer([u, v], homography[2, :2])) / w
    if np.linalg.det(jacobian) <= 0:
        return False
    stretch = np.linalg.svd(jacobian, compute_uv=False)
    return bool(stretch[0] <= MAX_ANISOTROPY * stretch[1])


def _box(points: np.ndarray, width: int, height: int) -> tuple[int, int, int, int] | None:
    x0, y0 = np.clip(points.min(axis=0), 0, [width, height])
    x1, y1 = np.clip(points.max(axis=0), 0, [width, height])
    if x1 - x0 < 1 or y1 - y0 < 1:
        return None
    return int(x0), int(y0), int(round(x1 - x0)), int(round(y1 - y0))
