"""Local features: compact storage, and boxes that hold too little are refused."""

from __future__ import annotations

import numpy as np
import pytest

from vidi.demo.objects import room
from vidi.errors import VidiError
from vidi.fingerprints.local_features import (
    MAX_POINTS,
    POINT_BYTES,
    FeaturesDamaged,
    decode,
    encode,
    extract_features,
    query_features,
)


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
