"""Local features: compact storage, and boxes that hold too little are refused."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from vidi.demo.objects import crop_area, paste, room, textured_object
from vidi.errors import VidiError
from vidi.fingerprints import local_features
from vidi.fingerprints.local_features import (
    MAX_POINTS,
    POINT_BYTES,
    QUERY_POINTS,
    FeaturesDamaged,
    LocalFeatures,
    decode,
    encode,
    extract_features,
    extract_with_mirror,
    query_features,
)
from vidi.index import geometry
from vidi.index.geometry import Verified, verify
from vidi.objects.matching import MIN_INLIERS


def test_features_round_trip_through_their_compact_bytes() -> None:
    features = extract_features(room(1))
    assert 100 < len(features) <= MAX_POINTS
    data = encode(features)
    assert len(data) == 16 + len(features) * POINT_BYTES
    back = decode(data)
    assert (back.width, back.height) == (640, 480)
    assert np.array_equal(back.descriptors, features.descriptors)
    assert np.abs(back.points - features.points).max() < 0.01


def test_points_are_spread_over_the_picture() -> None:
    features = extract_features(room(2))
    quarters = np.histogram2d(
        features.points[:, 0], features.points[:, 1], bins=2, range=[[0, 640], [0, 480]]
    )[0]
    assert quarters.min() > len(features) / 10


def test_damaged_features_are_refused() -> None:
    data = encode(extract_features(room(3)))
    with pytest.raises(FeaturesDamaged):
        decode(data[:-1])
    with pytest.raises(FeaturesDamaged):
        decode(b"XXXX" + data[4:])


def test_a_box_with_almost_no_pixels_is_refused_in_one_line() -> None:
    with pytest.raises(VidiError, match="draw it around the object"):
        query_features(room(4), (636, 476, 40, 40))


def test_a_query_box_keeps_the_scale_of_its_picture() -> None:
    picture = room(5)
    features = query_features(picture, (100, 100, 200, 150))
    assert features.width == 200 and features.height == 150
    assert features.points[:, 0].max() <= 200


def test_a_stored_set_begins_with_its_strongest_spread_points() -> None:
    picture = room(6)
    stored = extract_features(picture)
    assert QUERY_POINTS < len(stored) <= MAX_POINTS
    head = stored.head(QUERY_POINTS)
    assert len(head) == QUERY_POINTS
    assert np.array_equal(head.descriptors, stored.descriptors[:QUERY_POINTS])
    quarters = np.histogram2d(
        head.points[:, 0], head.points[:, 1], bins=2, range=[[0, 640], [0, 480]]
    )[0]
    assert quarters.min() > len(head) / 10
    assert len(query_features(picture)) <= QUERY_POINTS * (1 + len(local_features.TILTS))


def test_a_set_stored_with_fewer_points_is_still_verified() -> None:
    """Sets stored with 700 points (before the count grew) are searched as they are."""
    picture = room(7)
    older = decode(encode(extract_features(picture, 700)))
    query = query_features(crop_area(picture, 0.2, np.random.default_rng(1)))
    assert len(older) <= 700
    assert verify(query, older, MIN_INLIERS).inliers >= MIN_INLIERS


def test_the_mirror_side_is_what_a_detection_in_the_mirror_image_finds() -> None:
    """The mirror side is described at the picture's mirrored keypoints, not detected
    again: its points lie where the mirror image's own keypoints are, with (nearly) the
    same descriptors, and it verifies against a mirrored copy as a detection would."""
    picture = room(8)
    stored, flipped = extract_with_mirror(picture)
    assert np.array_equal(stored.descriptors, extract_features(picture).descriptors)
    assert len(flipped) == QUERY_POINTS
    mirror_image = np.ascontiguousarray(picture[:, ::-1])
    detected = extract_features(mirror_image)
    gaps = np.hypot(*(flipped.points[:, None, :] - detected.points[None, :, :]).transpose(2, 0, 1))
    nearest = gaps.argmin(axis=1)
    close = gaps[np.arange(len(flipped)), nearest] < 1.0
    assert close.mean() > 0.5
    bits = np.unpackbits(flipped.descriptors[close] ^ detected.descriptors[nearest[close]], axis=1)
    assert np.median(bits.sum(axis=1)) <= 4
    assert verify(flipped, detected).inliers >= 10 * MIN_INLIERS


@pytest.mark.parametrize("squeeze", [(0.5, 1.0), (1.0, 0.5)])
def test_simulated_tilts_find_an_obliquely_seen_picture(
    squeeze: tuple[float, float], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A picture seen obliquely (squeezed to half its width, or its height) keeps far
    more verified matches when the query is also described squeezed (the tilts)."""
    with_tilts = without = 0
    for seed in (1, 2, 3):
        picture = paste(room(seed), textured_object(seed), np.random.default_rng(seed), 0.6)[0]
        stored = extract_features(picture)
        height, width = picture.shape[:2]
        size = (round(width * squeeze[0]), round(height * squeeze[1]))
        oblique = cv2.resize(picture, size, interpolation=cv2.INTER_AREA)
        with_tilts += verify(query_features(oblique), stored).inliers
        with monkeypatch.context() as patched:
            patched.setattr(local_features, "TILTS", ())
            without += verify(query_features(oblique), stored).inliers
    assert with_tilts > 1.4 * without


def test_a_querys_simulated_tilts_only_verify(monkeypatch: pytest.MonkeyPatch) -> None:
    """The index is asked with the query as drawn; the tilted points come last and only
    verify (asked with them, the index ranked originals lower)."""
    picture = room(9)
    box = (100, 80, 400, 300)
    with monkeypatch.context() as patched:
        patched.setattr(local_features, "TILTS", ())
        plain = query_features(picture, box)
    tilted = query_features(picture, box)
    assert plain.searched is None and len(plain.search_descriptors()) == len(plain)
    assert tilted.searched == len(plain) < len(tilted)
    assert np.array_equal(tilted.search_descriptors(), plain.descriptors)
    assert tilted.points[:, 0].max() <= 400 and tilted.points[:, 1].max() <= 300


def test_a_querys_tilts_are_verified_only_where_it_came_close(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An unrelated picture is verified once, with the points as drawn; the picture the
    query was cut from is verified again with the tilts, and keeps the better count."""
    calls: list[int] = []
    real = geometry._verify

    def counted(
        query: LocalFeatures, other: LocalFeatures, min_inliers: int, ratio: float, affine: bool
    ) -> Verified:
        calls.append(len(query))
        return real(query, other, min_inliers, ratio, affine)

    monkeypatch.setattr(geometry, "_verify", counted)
    picture = paste(room(10), textured_object(10), np.random.default_rng(10), 0.6)[0]
    query = query_features(picture, (120, 90, 400, 300))
    assert query.searched is not None and query.searched < len(query)
    unrelated = verify(query, extract_features(room(11)), MIN_INLIERS)
    assert unrelated.inliers < MIN_INLIERS and calls == [query.searched]
    calls.clear()
    stored = extract_features(picture)
    own = verify(query, stored, MIN_INLIERS)
    assert calls == [query.searched, len(query)]
    assert own.inliers >= real(query.head(query.searched), stored, 5).inliers >= MIN_INLIERS


def test_verifying_on_several_threads_gives_what_one_thread_gives() -> None:
    """Each thread has its own distance table, so verifying side by side changes nothing."""
    pictures = [room(20 + i) for i in range(4)]
    stored = [extract_features(p) for p in pictures]
    queries = [
        query_features(crop_area(p, 0.3, np.random.default_rng(i))) for i, p in enumerate(pictures)
    ]
    pairs = [(q, s) for q in queries for s in stored]
    alone = [verify(q, s, MIN_INLIERS) for q, s in pairs]
    side_by_side = geometry.verify_many(pairs, MIN_INLIERS, threads=3)
    assert [(v.inliers, v.matches, v.region) for v in side_by_side] == [
        (v.inliers, v.matches, v.region) for v in alone
    ]
    assert sum(v.inliers >= MIN_INLIERS for v in alone) == len(queries)


def _through(homography: np.ndarray, points: np.ndarray) -> bool:
    return geometry._seen_by_a_camera(np.asarray(homography, np.float64), points)


def test_a_transform_no_camera_makes_of_a_flat_thing_is_refused() -> None:
    """Where the inliers lie, the transform must keep them on one side of its horizon,
    unfolded and unmirrored, and stretch one way at most MAX_ANISOTROPY times the other:
    a flat thing seen from 70° is kept, the shapes chance agreements take are not."""
    points = np.array(
        [[x, y] for x in range(200, 301, 20) for y in range(150, 251, 20)], np.float32
    )
    squeeze_70 = np.cos(np.deg2rad(70))  # 1 / 0.34: a stretch of 2.9
    kept = {
        "the same": np.eye(3),
        "turned and smaller": [[0.5, -0.3, 10], [0.3, 0.5, 5], [0, 0, 1]],
        "seen from 70 degrees": [[squeeze_70, 0, 0], [0, 1, 0], [0, 0, 1]],
        "in perspective": [[1, 0, 0], [0, 1, 0], [0.001, 0, 1]],
    }
    refused = {
        "stretched 6 times": [[6, 0, 0], [0, 1, 0], [0, 0, 1]],
        "mirrored": [[-1, 0, 640], [0, 1, 0], [0, 0, 1]],
        "across its horizon": [[1, 0, 0], [0, 1, 0], [-1 / 250, 0, 1]],
        "collapsed to a line": [[1, 1, 0], [1, 1, 0], [0, 0, 1]],
    }
    assert {name for name, h in kept.items() if _through(h, points)} == set(kept)
    assert {name for name, h in refused.items() if _through(h, points)} == set()
    assert geometry.MAX_ANISOTROPY * squeeze_70 > 1 > geometry.MAX_ANISOTROPY / 6


def test_a_looser_ratio_test_keeps_every_match_the_stricter_one_keeps() -> None:
    """The region query matches a drawn box against its voted candidates at 0.85: more
    pairs, never fewer, and the default is the module's ratio."""
    rng = np.random.default_rng(12)
    picture, box = paste(room(14), textured_object(14), rng, scale=0.6, angle=10)
    query = query_features(picture, box)
    drawn = query.head(query.searched or len(query))
    original = extract_features(paste(room(15), textured_object(14), rng, 0.7)[0])
    strict = set(geometry._matches(drawn, original))
    loose = set(geometry._matches(drawn, original, 0.85))
    assert strict == set(geometry._matches(drawn, original, geometry.RATIO))
    assert strict < loose
    found = [verify(drawn, original, 5, ratio).matches for ratio in (0.8, 0.85)]
    assert found[0] < found[1]


def test_a_small_object_whose_homography_fit_no_camera_makes_is_verified_affine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A small pasted object's inliers lie close together, so the homography fitted to
    them can mirror the plane away from them and fail the camera checks although it maps
    them well: the affine transform tried then verifies it, and an unrelated picture
    stays far from a hit."""
    from vidi.demo.objects import in_a_new_room, recompress

    rng = np.random.default_rng(25)
    original, (ox, oy, ow, oh) = paste(room(25), textured_object(25), rng, 0.6)
    new_room, box = in_a_new_room(25, rng)
    drawn = query_features(new_room, box)
    drawn = drawn.head(drawn.searched or len(drawn))
    stored = extract_features(recompress(original, 85))
    unrelated = extract_features(recompress(paste(room(26), textured_object(26), rng, 0.6)[0]))
    with_affine = verify(drawn, stored, MIN_INLIERS, affine=True)
    assert with_affine.inliers >= MIN_INLIERS and with_affine.region is not None
    x, y, w, h = with_affine.region  # where the box lands: on the object in the original
    assert ox <= x + w / 2 <= ox + ow and oy <= y + h / 2 <= oy + oh
    assert verify(drawn, unrelated, MIN_INLIERS, affine=True).inliers < MIN_INLIERS
    assert verify(drawn, stored, MIN_INLIERS).inliers < MIN_INLIERS  # not asked for
    monkeypatch.setattr(geometry, "AFFINE_FALLBACK", False)  # the switch turns it off
    assert verify(drawn, stored, MIN_INLIERS, affine=True).inliers < MIN_INLIERS
