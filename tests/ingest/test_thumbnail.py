"""Thumbnails: an integer box reduction that fits the configured side, never below half."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from vidi.media.pictures import thumbnail_jpeg


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((504, 378), (252, 189)),
        ((512, 384), (256, 192)),
        ((400, 300), (200, 150)),
        ((256, 100), (256, 100)),
        ((120, 90), (120, 90)),
        ((3000, 40), (250, 4)),
    ],
)
def test_thumbnail_fits_the_side_and_keeps_at_least_half(
    size: tuple[int, int], expected: tuple[int, int]
) -> None:
    picture = Image.new("RGB", size, (90, 120, 30))
    with Image.open(io.BytesIO(thumbnail_jpeg(picture, 256))) as thumb:
        assert thumb.format == "JPEG"
        assert thumb.size == expected
        assert 128 <= max(thumb.size) <= 256 or size == (120, 90)


def test_thumbnail_of_a_picture_with_transparency_is_a_jpeg() -> None:
    picture = Image.new("RGBA", (600, 600), (200, 10, 10, 128))
    with Image.open(io.BytesIO(thumbnail_jpeg(picture, 256))) as thumb:
        assert thumb.mode == "RGB" and thumb.size == (200, 200)
