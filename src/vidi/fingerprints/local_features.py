"""Local features: keypoints and binary descriptors that find an object again.

Why: PDQ describes a whole picture, so it misses a crop, a rotation or an object
pasted into another room. Keypoints with descriptors describe small patches; a patch
found again in another picture, in a geometrically consistent arrangement, is the
same object (or the same wallpaper) however the picture was cropped or turned.

What is kept per picture: at most ``max_points`` ORB keypoints (position and a 256-bit
descriptor), spread over a grid so a small crop still holds some, in the order chosen (each
grid cell's strongest, then each cell's second strongest, ...), so the first
:data:`QUERY_POINTS` of a stored set are its strongest spread points
(:meth:`LocalFeatures.head`). A point is 36 bytes (two 16-bit coordinates normalised to
the picture's size, 32 descriptor bytes); :func:`encode` packs them with a 16-byte
header. Pure: arrays in, arrays out.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from vidi.errors import VidiError

DETECTOR = "orb"
VERSION = "1"
"""The stored format's version. Sets stored with 700 points (in detection order) before
the count became 2,000 are read, searched and verified alike; they are not re-extracted
(their small objects are found less often, docs/objects.md)."""
EXTRACTOR = f"{DETECTOR}-{VERSION}"
MAX_POINTS = 2_000
"""Points stored per picture. A small object in a stored picture holds its share of
them: at 700 an object filling 4 % of the picture kept ~45 and was found again in 40 %
of new rooms; at 2,000, 70-77 % (docs/performance.md, "Object search, round 3: recall")."""
QUERY_POINTS = 700
"""Points a query (a box, a whole picture asked with, a mirror image) is described by at
each scale (:func:`query_features`): more on the query side found no more (same
section)."""
DETECT_FACTOR = 3
"""ORB is asked for this many times the points kept (the grid then chooses among them)."""
WORK_SIDE = 640
"""The picture is reduced so its longer side is at most this before detection."""
DECODE_SIDE = 512
"""Ingest decodes a JPEG for features with both sides at least this (DCT scaling: a
12-megapixel photo is decoded at 1008 × 756, then reduced to :data:`WORK_SIDE`)."""
QUERY_MIN_SIDE = 96
"""A query box is described at least this large (see :func:`query_features`)."""
UPSCALE_BELOW = 320
"""A query part smaller than this (long side, at the scale its picture is indexed at) is
described twice: as it is and :data:`UPSCALE` times larger (see :func:`query_features`)."""
UPSCALE = 1.5
TILTS: tuple[tuple[float, float], ...] = ((0.7, 1.0), (1.0, 0.7))
"""A query part is also described squeezed by each (width, height) factor here, its points
mapped back: a simulated tilt, as ASIFT does, on the query side only (nothing more is
stored). An object photographed obliquely then meets its front view nearer its shape:
100 objects pasted into new rooms, verified against their originals, 63 % without, 71 %
squeezed in width only, 72 % both ways. These points only verify: asked with them too,
the index ranked originals lower (see :attr:`LocalFeatures.searched`;
docs/performance.md, "Object search, round 5")."""
GRID = 4
"""Points are chosen per cell of a GRID × GRID grid first, so each region keeps some."""
DESCRIPTOR_BYTES = 32
POINT_BYTES = 4 + DESCRIPTOR_BYTES
_HEADER = struct.Struct("<4sIII")
_MAGIC = b"VLF1"


class FeaturesDamaged(VidiError):
    """Stored features that do not decode (truncated or not written by :func:`encode`)."""


@dataclass(frozen=True)
class LocalFeatures:
    """Keypoints of one picture: ``points`` (n, 2) in pixels of a ``width`` × ``height``
    picture, and their ``descriptors`` (n, 32) bytes."""

    points: np.ndarray
    descriptors: np.ndarray
    width: int
    height: int
    searched: int | None = None
    """How many of the first points the index is asked with (None: all). A query's
    simulated tilts come last and only verify: asked with them too, the index ranked
    the original lower (see :data:`TILTS`)."""

    def __len__(self) -> int:
        return len(self.points)

    def search_descriptors(self) -> np.ndarray:
        """The descriptors the index is asked with (see :attr:`searched`)."""
        return self.descriptors if self.searched is None else self.descriptors[: self.searched]

    def head(self, count: int) -> LocalFeatures:
        """The first ``count`` points: for a set stored in the order chosen, its strongest
        spread points (a cheaper side for a verification that needs no small objects)."""
        if count >= len(self):
            return self
        return LocalFeatures(self.points[:count], self.descriptors[:count], self.width, self.height)


def gray_array(image: np.ndarray) -> np.ndarray:
    """An 8-bit grey picture from an RGB(A) or grey array."""
    if image.ndim == 2:
        return np.ascontiguousarray(image, dtype=np.uint8)
    if image.shape[2] == 4:
        return cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGBA2GRAY)
    return cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY)


def extract_features(
    image: np.ndarray, max_points: int = MAX_POINTS, work_side: int | None = None
) -> LocalFeatures:
    """Keypoints and ORB descriptors of a picture (grey or RGB array), positions in its pixels.

    The picture is reduced to ``work_side`` on its longer edge (default: :data:`WORK_SIDE`,
    never enlarged), so a crop keeps the scale its pixels had in the whole picture.
    """
    gray = gray_array(image)
    height, width = gray.shape
    if width < 8 or height < 8:
        return _empty(width, height)
    work, scale = _work_picture(gray, work_side)
    return _detect(work, scale, width, height, max_points)


def extract_with_mirror(image: np.ndarray) -> tuple[LocalFeatures, LocalFeatures]:
    """The features of a picture (:data:`MAX_POINTS`) and of its mirror image (a query
    side: :data:`QUERY_POINTS`), sharing one grey, reduced copy (ingest stores the first
    and links mirrored copies with the second).

    The mirror side is not detected again: the picture's first :data:`QUERY_POINTS`
    keypoints, mirrored (position and orientation), are described in the mirror image.
    FAST and the Harris score are mirror-symmetric, so these are the points a detection
    in the mirror image finds, and their descriptors are the ones it computes (median 0
    bits apart); it costs a fifth of a second detection (docs/performance.md, "Object
    search, round 5").
    """
    gray = gray_array(image)
    height, width = gray.shape
    if width < 8 or height < 8:
        return _empty(width, height), _empty(width, height)
    work, scale = _work_picture(gray, None)
    keypoints, descriptors = _keypoints(work, MAX_POINTS)
    found = _features(keypoints, descriptors, scale, width, height)
    last = work.shape[1] - 1
    mirrored_points = [
        cv2.KeyPoint(
            last - k.pt[0], k.pt[1], k.size, (180.0 - k.angle) % 360.0, k.response, k.octave
        )
        for k in keypoints[:QUERY_POINTS]
    ]
    if not mirrored_points:
        return found, _empty(width, height)
    flipped_keypoints, flipped_descriptors = _orb(MAX_POINTS).compute(
        np.ascontiguousarray(work[:, ::-1]), mirrored_points
    )
    return found, _features(list(flipped_keypoints), flipped_descriptors, scale, width, height)


def _work_picture(gray: np.ndarray, work_side: int | None) -> tuple[np.ndarray, float]:
    height, width = gray.shape
    if work_side is None:
        work_side = min(WORK_SIDE, max(width, height))
    scale = work_side / max(width, height)
    if scale == 1:
        return gray, scale
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    size = (max(8, round(width * scale)), max(8, round(height * scale)))
    return cv2.resize(gray, size, interpolation=interpolation), scale


def _orb(max_points: int) -> cv2.ORB:
    return cv2.ORB.create(
        nfeatures=max_points * DETECT_FACTOR, fastThreshold=10, edgeThreshold=15, patchSize=15
    )


def _keypoints(work: np.ndarray, max_points: int) -> tuple[list[cv2.KeyPoint], np.ndarray | None]:
    """At most ``max_points`` keypoints of a work picture and their descriptors, in the
    order chosen (:func:`_spread`)."""
    keypoints, descriptors = _orb(max_points).detectAndCompute(work, None)
    if descriptors is None or not keypoints:
        return [], None
    points = _positions(keypoints)
    response = np.array([k.response for k in keypoints], dtype=np.float32)
    chosen = _spread(points, response, work.shape[1], work.shape[0], max_points)
    return [keypoints[i] for i in chosen], descriptors[chosen]


def _positions(keypoints: Sequence[cv2.KeyPoint]) -> np.ndarray:
    """(n, 2) keypoint positions, read in OpenCV (``k.pt`` one by one cost ~0.3 ms)."""
    return np.asarray(cv2.KeyPoint.convert(keypoints), dtype=np.float32).reshape(-1, 2)


def _features(
    keypoints: list[cv2.KeyPoint],
    descriptors: np.ndarray | None,
    scale: float,
    width: int,
    height: int,
) -> LocalFeatures:
    """Keypoints found in a work picture reduced by ``scale``, in the original's pixels."""
    if descriptors is None or not keypoints:
        return _empty(width, height)
    return LocalFeatures(_positions(keypoints) / scale, descriptors, width, height)


def _detect(
    work: np.ndarray, scale: float, width: int, height: int, max_points: int
) -> LocalFeatures:
    keypoints, descriptors = _keypoints(work, max_points)
    return _features(keypoints, descriptors, scale, width, height)


def rescaled(features: LocalFeatures, width: int, height: int) -> LocalFeatures:
    """The same points in the pixels of a ``width`` × ``height`` copy of the picture
    (features found on a reduced decode are stored in the original's pixels)."""
    if (width, height) == (features.width, features.height):
        return features
    scale = np.array([width / features.width, height / features.height], np.float32)
    return LocalFeatures(features.points * scale, features.descriptors, width, height)


def _spread(
    points: np.ndarray, response: np.ndarray, width: int, height: int, budget: int
) -> np.ndarray:
    """Indices of at most ``budget`` points, in the order chosen: every grid cell's
    strongest, then every cell's second strongest, ... (so a prefix is a smaller budget's
    choice)."""
    cell = (
        np.minimum(points[:, 1] * GRID // height, GRID - 1) * GRID
        + np.minimum(points[:, 0] * GRID // width, GRID - 1)
    ).astype(np.int64)
    order = np.lexsort((-response, cell))
    rank_in_cell = np.empty(len(points), dtype=np.int64)
    starts = np.searchsorted(cell[order], np.arange(GRID * GRID))
    rank_in_cell[order] = np.arange(len(points)) - starts[cell[order]]
    # Round robin over cells: every cell's best, then every cell's second best, ...
    priority = np.lexsort((-response, rank_in_cell))
    return priority[:budget]


def _empty(width: int, height: int) -> LocalFeatures:
    return LocalFeatures(
        np.zeros((0, 2), np.float32), np.zeros((0, DESCRIPTOR_BYTES), np.uint8), width, height
    )


def query_features(
    picture: np.ndarray, box: tuple[int, int, int, int] | None = None, mirror: bool = False
) -> LocalFeatures:
    """Features of a box drawn in a picture, at the scale the picture itself is indexed at.

    The box keeps its pixels' scale (at most :data:`WORK_SIDE` for the whole picture) so
    a crop meets its indexed self at the same size; a box under :data:`QUERY_MIN_SIDE`
    pixels is enlarged to it. A part under :data:`UPSCALE_BELOW` pixels is also
    described :data:`UPSCALE` times larger and both sets are asked together: an object
    photographed smaller than it is in the indexed picture then meets it nearer its
    size, while a crop still meets its own scale (100 objects pasted into new rooms,
    verified against their originals: 63 % with one scale, 87 % with both; 5 % crops
    93 % and 92 %; enlarging instead of adding lost the crops: docs/performance.md,
    "Object search, round 3: recall"). The part is also described under the simulated
    tilts of :data:`TILTS`; those points come last and only verify.
    """
    part = crop(picture, box) if box is not None else picture
    if mirror:
        part = mirrored(part)
    scale = min(1.0, WORK_SIDE / max(picture.shape[:2]))
    side = max(QUERY_MIN_SIDE, round(max(part.shape[:2]) * scale))
    found = [extract_features(part, QUERY_POINTS, work_side=side)]
    if side < UPSCALE_BELOW:
        found.append(extract_features(part, QUERY_POINTS, work_side=round(side * UPSCALE)))
    if TILTS:
        gray = gray_array(part)
        found += [_squeezed(gray, width, height, side) for width, height in TILTS]
    if len(found) == 1:
        return found[0]
    searched = sum(len(f) for f in found[: len(found) - len(TILTS)]) if TILTS else None
    return LocalFeatures(
        np.concatenate([f.points for f in found]),
        np.concatenate([f.descriptors for f in found]),
        found[0].width,
        found[0].height,
        searched,
    )


def _squeezed(gray: np.ndarray, width: float, height: float, side: int) -> LocalFeatures:
    """Features of a picture squeezed to ``width`` × ``height`` of its size and described
    at the scale ``side`` sets for it unsqueezed, positions mapped back to its pixels."""
    h, w = gray.shape
    size = (max(8, round(w * width)), max(8, round(h * height)))
    squeezed = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    found = extract_features(squeezed, QUERY_POINTS, work_side=round(max(size) * side / max(w, h)))
    back = np.array([w / size[0], h / size[1]], np.float32)
    return LocalFeatures(found.points * back, found.descriptors, w, h)


def mirrored(image: np.ndarray) -> np.ndarray:
    """The picture flipped left to right: ORB is not mirror-invariant, so a query asks twice."""
    return np.ascontiguousarray(image[:, ::-1])


def crop(image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The ``(x, y, width, height)`` box of a picture, clipped to it; refuses an empty box."""
    x, y, w, h = box
    height, width = image.shape[:2]
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(width, x + w), min(height, y + h)
    if x1 - x0 < 8 or y1 - y0 < 8:
        raise VidiError(
            f"the box {x},{y},{w},{h} holds less than 8 × 8 pixels of a {width} × {height} "
            "picture; draw it around the object"
        )
    return image[y0:y1, x0:x1]


def encode(features: LocalFeatures) -> bytes:
    """Compact bytes: header, then per point x and y as 16-bit fractions, then descriptors."""
    count = len(features)
    scale = np.array([65535 / max(1, features.width - 1), 65535 / max(1, features.height - 1)])
    fractions = np.clip(np.rint(features.points * scale), 0, 65535).astype("<u2")
    return (
        _HEADER.pack(_MAGIC, count, features.width, features.height)
        + fractions.tobytes()
        + np.ascontiguousarray(features.descriptors, dtype=np.uint8).tobytes()
    )


def decode(data: bytes) -> LocalFeatures:
    """The features :func:`encode` wrote; :class:`FeaturesDamaged` for anything else."""
    if len(data) < _HEADER.size:
        raise FeaturesDamaged("stored features are shorter than their header")
    magic, count, width, height = _HEADER.unpack_from(data)
    if magic != _MAGIC or len(data) != _HEADER.size + count * POINT_BYTES:
        raise FeaturesDamaged("stored features are not in the expected format")
    end = _HEADER.size + count * 4
    fractions = np.frombuffer(data, "<u2", count * 2, _HEADER.size).reshape(count, 2)
    scale = np.array([max(1, width - 1) / 65535, max(1, height - 1) / 65535], np.float32)
    points = fractions.astype(np.float32) * scale
    descriptors = np.frombuffer(data, np.uint8, count * DESCRIPTOR_BYTES, end)
    return LocalFeatures(points, descriptors.reshape(count, DESCRIPTOR_BYTES), width, height)
