"""The crop and the person check on their own: pixels only, limits, the packaged detector."""

from __future__ import annotations

import io

import pytest
from pictures import OBJECT_BOX, person_like_figure, table_picture
from PIL import Image, ImageDraw

from vidi.errors import InvalidInput
from vidi.publications.crop import Box, CropRefused, png_chunks, rebuild_crop
from vidi.publications.persons import NoDetector, OpenCvPersonDetector, packaged_detector


def drawn_face() -> Image.Image:
    """A cartoon face: an oval, two dark eyes, a nose and a mouth (drawn shapes)."""
    image = Image.new("RGB", (200, 200), (200, 200, 200))
    draw = ImageDraw.Draw(image)
    draw.ellipse((40, 30, 160, 170), fill=(170, 170, 170))
    draw.ellipse((68, 75, 92, 92), fill=(30, 30, 30))
    draw.ellipse((108, 75, 132, 92), fill=(30, 30, 30))
    draw.rectangle((95, 95, 105, 125), fill=(140, 140, 140))
    draw.rectangle((75, 135, 125, 145), fill=(60, 60, 60))
    return image


def test_a_box_is_four_whole_numbers() -> None:
    assert Box.parse(" 1, 2,30,40") == Box(1, 2, 30, 40)
    for bad in ("1,2,3", "a,b,c,d", "-1,0,20,20", "1.5,0,20,20"):
        with pytest.raises(InvalidInput, match="four whole numbers"):
            Box.parse(bad)


def test_a_box_outside_the_picture_or_too_small_is_refused() -> None:
    picture = table_picture()
    with pytest.raises(CropRefused, match="reaches outside"):
        rebuild_crop(picture, Box(1100, 800, 200, 200))
    with pytest.raises(CropRefused, match="at least 16"):
        rebuild_crop(picture, Box(0, 0, 10, 300))


def test_a_crop_is_scaled_down_and_holds_only_image_chunks() -> None:
    picture = table_picture()
    picture.info["dpi"] = (300, 300)  # would become a pHYs chunk if anything carried over
    crop = rebuild_crop(picture, Box(*OBJECT_BOX), max_side=100)
    assert max(crop.width, crop.height) == 100
    assert png_chunks(crop.png) == [b"IHDR", b"IDAT", b"IEND"]
    assert Image.open(io.BytesIO(crop.png)).size == (crop.width, crop.height)


def test_the_packaged_detector_loads_and_passes_a_plain_object() -> None:
    detector = packaged_detector()
    assert isinstance(detector, OpenCvPersonDetector)
    assert "HOG default people detector" in detector.name and "frontalface" in detector.name
    x, y, width, height = OBJECT_BOX
    assert detector.find_person(table_picture().crop((x, y, x + width, y + height))) is None


def test_the_packaged_detector_blocks_a_figure_a_small_figure_and_a_drawn_face() -> None:
    detector = OpenCvPersonDetector()
    assert "HOG" in (detector.find_person(person_like_figure()) or "")
    assert "HOG" in (detector.find_person(person_like_figure().resize((50, 100))) or "")
    assert "face" in (detector.find_person(drawn_face()) or "")


def test_without_opencv_nothing_is_detected_and_the_check_says_so() -> None:
    assert NoDetector().find_person(person_like_figure()) is None
    assert "only the approver's confirmation" in NoDetector().name
