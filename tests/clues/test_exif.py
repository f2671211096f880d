"""ExifExtractor on JPEGs whose EXIF/XMP is written in the test (piexif, Pillow)."""

from __future__ import annotations

import io
from pathlib import Path

import piexif
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from vidi.clues.base import CLUE_KINDS, Clue
from vidi.clues.exif import THUMBNAIL_DIFFERS_DISTANCE, ExifExtractor


def _dms(value: float) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60 * 100)
    return ((degrees, 1), (minutes, 1), (seconds, 100))


def _gps_ifd(lat: float, lon: float) -> dict[int, object]:
    return {
        piexif.GPSIFD.GPSLatitudeRef: b"N" if lat >= 0 else b"S",
        piexif.GPSIFD.GPSLatitude: _dms(abs(lat)),
        piexif.GPSIFD.GPSLongitudeRef: b"E" if lon >= 0 else b"W",
        piexif.GPSIFD.GPSLongitude: _dms(abs(lon)),
    }


def _jpeg_bytes(image: Image.Image, quality: int = 80) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _write(path: Path, picture: Image.Image, exif: dict | bytes | None, **extra) -> Path:
    if isinstance(exif, dict):
        exif = piexif.dump({"0th": {}, "Exif": {}, "GPS": {}, "1st": {}, **exif})
    kwargs = {"exif": exif} if exif is not None else {}
    picture.save(path, "JPEG", quality=90, **kwargs, **extra)
    return path


def _by_kind(clues: list[Clue]) -> dict[str, list[Clue]]:
    found: dict[str, list[Clue]] = {}
    for clue in clues:
        assert clue.kind in CLUE_KINDS
        found.setdefault(clue.kind, []).append(clue)
    return found


def test_camera_time_offset_and_gps_are_read(tmp_path, make_scene, make_media):
    exif = {
        "0th": {
            piexif.ImageIFD.Make: b"Canon",
            piexif.ImageIFD.Model: b"Canon EOS 80D",
            piexif.ImageIFD.Software: b"Firmware 1.0.2",
            piexif.ImageIFD.DateTime: b"2021:06:02 08:00:00",
        },
        "Exif": {
            piexif.ExifIFD.DateTimeOriginal: b"2021:06:01 12:34:56",
            piexif.ExifIFD.OffsetTimeOriginal: b"+02:00",
            piexif.ExifIFD.OffsetTime: b"+01:00",
            piexif.ExifIFD.BodySerialNumber: b"083021001234",
            piexif.ExifIFD.LensSerialNumber: b"0000a1b2c3",
        },
        "GPS": _gps_ifd(48.8584, 2.2945),
    }
    path = _write(tmp_path / "a.jpg", make_scene(), exif)
    found = _by_kind(ExifExtractor().extract(make_media(path)))

    assert found["camera_make"][0].value == "Canon"
    assert found["camera_model"][0].value == "Canon EOS 80D"
    assert found["software"][0].value == "Firmware 1.0.2"
    serials = {(c.value, c.detail["part"]) for c in found["camera_serial"]}
    assert serials == {("083021001234", "body"), ("0000a1b2c3", "lens")}
    assert found["capture_time"][0].value == "2021-06-01T12:34:56"
    offsets = {c.value: c.detail for c in found["tz_offset"]}
    assert offsets["+02:00"] == {"tags": ["OffsetTimeOriginal"], "date": "2021-06-01"}
    assert offsets["+01:00"] == {"tags": ["OffsetTime"], "date": "2021-06-02"}
    lat, lon = (float(v) for v in found["gps"][0].value.split(","))
    assert lat == pytest.approx(48.8584, abs=1e-4) and lon == pytest.approx(2.2945, abs=1e-4)
    country = found["gps_country"][0]
    assert country.value == "FR"
    assert country.detail["distance_km"] < 20
    assert "exif_warning" not in found
    assert "exif_thumbnail_differs" not in found


@pytest.mark.parametrize(
    ("lat", "lon", "country"),
    [(-34.6037, -58.3816, "AR"), (35.6762, 139.6503, "JP"), (-33.9249, 18.4241, "ZA")],
)
def test_gps_in_every_hemisphere_gives_its_country(
    tmp_path, make_scene, make_media, lat, lon, country
):
    path = _write(tmp_path / "g.jpg", make_scene(), {"GPS": _gps_ifd(lat, lon)})
    found = _by_kind(ExifExtractor().extract(make_media(path)))
    got_lat, got_lon = (float(v) for v in found["gps"][0].value.split(","))
    assert (got_lat, got_lon) == (pytest.approx(lat, abs=1e-4), pytest.approx(lon, abs=1e-4))
    assert found["gps_country"][0].value == country


def test_gps_null_island_is_ignored_with_a_warning(tmp_path, make_scene, make_media):
    path = _write(tmp_path / "z.jpg", make_scene(), {"GPS": _gps_ifd(0.0, 0.0)})
    found = _by_kind(ExifExtractor().extract(make_media(path)))
    assert "gps" not in found and "gps_country" not in found
    assert any("0,0" in c.value for c in found["exif_warning"])


def test_thumbnail_of_another_picture_is_flagged(tmp_path, make_scene, make_media):
    other = make_scene(seed=7).transpose(Image.Transpose.FLIP_TOP_BOTTOM).resize((160, 120))
    thumbnail = _jpeg_bytes(other)
    path = _write(tmp_path / "t.jpg", make_scene(seed=1), {"thumbnail": thumbnail})
    found = _by_kind(ExifExtractor().extract(make_media(path)))
    clue = found["exif_thumbnail_differs"][0]
    assert clue.detail["distance"] > THUMBNAIL_DIFFERS_DISTANCE
    assert int(clue.value) == clue.detail["distance"]
    stored = clue.blob
    assert (
        stored is not None and stored in path.read_bytes()
    )  # piexif drops the thumbnail's JFIF header: not == thumbnail
    assert Image.open(io.BytesIO(stored)).size == (160, 120)


def test_thumbnail_of_the_same_picture_is_not_flagged(tmp_path, make_scene, make_media):
    picture = make_scene(seed=1)
    thumbnail = _jpeg_bytes(picture.resize((160, 120)), quality=60)
    path = _write(tmp_path / "s.jpg", picture, {"thumbnail": thumbnail})
    clues = ExifExtractor().extract(make_media(path, image=picture))
    assert [c.kind for c in clues] == []


def test_letterboxed_thumbnail_of_a_wide_picture_is_not_flagged(tmp_path, make_scene, make_media):
    picture = make_scene(900, 600, seed=3)
    boxed = Image.new("RGB", (160, 120))
    boxed.paste(picture.resize((160, 107)), (0, 6))
    path = _write(tmp_path / "w.jpg", picture, {"thumbnail": _jpeg_bytes(boxed)})
    kinds = [c.kind for c in ExifExtractor().extract(make_media(path))]
    assert "exif_thumbnail_differs" not in kinds


def test_xmp_fills_in_camera_time_and_gps(tmp_path, make_scene, make_media):
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" '
        b'xmlns:exif="http://ns.adobe.com/exif/1.0/" tiff:Make="NIKON CORPORATION" '
        b'exif:GPSLatitude="52,31.2N" exif:GPSLongitude="13,24.3E">'
        b"<exif:DateTimeOriginal>2019-12-24T18:30:00+01:00</exif:DateTimeOriginal>"
        b"</rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    path = _write(tmp_path / "x.jpg", make_scene(), None, xmp=xmp)
    found = _by_kind(ExifExtractor().extract(make_media(path)))
    assert found["camera_make"][0].value == "NIKON CORPORATION"
    assert found["capture_time"][0].value == "2019-12-24T18:30:00+01:00"
    assert found["gps"][0].value == "52.520000,13.405000"
    assert found["gps"][0].detail["source"] == "xmp"
    assert found["gps_country"][0].value == "DE"


def test_picture_without_metadata_gives_no_clues(tmp_path, make_scene, make_media):
    path = _write(tmp_path / "n.jpg", make_scene(), None)
    assert ExifExtractor().extract(make_media(path)) == []


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "GIF", "TIFF"])
def test_picture_format_without_exif_gives_no_warning(fmt, tmp_path, make_scene, make_media):
    path = tmp_path / f"n.{fmt.lower()}"
    make_scene().save(path, fmt)
    assert ExifExtractor().extract(make_media(path)) == []


def test_truncated_exif_gives_a_warning_not_a_crash(tmp_path, make_scene, make_media):
    full = piexif.dump({"0th": {piexif.ImageIFD.Make: b"Canon"}, "GPS": _gps_ifd(10.0, 10.0)})
    path = _write(tmp_path / "c.jpg", make_scene(), full[: len(full) // 2])
    found = _by_kind(ExifExtractor().extract(make_media(path)))
    assert found["exif_warning"]
    assert "gps" not in found


def test_ifd_offset_pointing_outside_gives_a_warning(tmp_path, make_scene, make_media):
    tiff = bytearray(piexif.dump({"0th": {piexif.ImageIFD.Make: b"Canon"}})[6:])
    tiff[4:8] = (0x7FFFFFF0).to_bytes(4, "big" if tiff[:2] == b"MM" else "little")
    path = _write(tmp_path / "o.jpg", make_scene(), b"Exif\x00\x00" + bytes(tiff))
    found = _by_kind(ExifExtractor().extract(make_media(path)))
    assert found["exif_warning"]
    assert "camera_make" not in found


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(garbage=st.binary(min_size=0, max_size=300))
def test_garbage_exif_never_raises(tmp_path, make_scene, make_media, garbage):
    path = tmp_path / "r.jpg"
    _write(path, make_scene(96, 64), b"Exif\x00\x00MM\x00\x2a" + garbage)
    clues = ExifExtractor().extract(make_media(path))
    assert all(c.kind in CLUE_KINDS for c in clues)
