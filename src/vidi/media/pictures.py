"""Pictures: the one way Vidi opens a picture, for fingerprinting or for reading clues.

Every picture is opened by :func:`open_image` from its bytes, and evidence is read
read-only without touching its access time (:func:`open_upright`), so pixel limits and
failure reasons are the same for ingest, ``vidi hash`` and the clue extractors.

For fingerprinting, pictures are decoded as small as the format allows: JPEG pictures
are decoded with DCT scaling (Pillow's draft mode) so a 4000-pixel photo costs about as
much as a 500-pixel one; PDQ moves by a few bits at most (see docs/performance.md).
EXIF orientation is applied, so a rotated copy hashes alike. Pixel limits stop
decompression bombs before any pixel is decoded.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from vidi.config import ImageLimits
from vidi.errors import DecodeError
from vidi.sources.streams import read_evidence

try:  # HEIC/HEIF through libheif, where the wheel is available
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIF_SUPPORTED = True
except ImportError:  # pragma: no cover - optional
    HEIF_SUPPORTED = False

DEFAULT_LIMITS = ImageLimits()


@dataclass(frozen=True)
class DecodedImage:
    """A picture ready for hashing: reduced, oriented, RGB; with the original's size."""

    image: Image.Image
    width: int
    height: int
    format: str


def open_image(data: bytes, limits: ImageLimits) -> Image.Image:
    """Open (header only) and refuse pictures that are too big before decoding pixels."""
    try:
        image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError as exc:
        raise DecodeError(
            reason="unreadable-image", detail="the picture's header cannot be read"
        ) from exc
    except Image.DecompressionBombError as exc:
        raise DecodeError(reason="decompression-bomb", detail=str(exc)) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise corrupt(exc) from exc
    width, height = image.size
    if width <= 0 or height <= 0:
        raise DecodeError(reason="corrupt-image", detail="the picture declares no pixels")
    if width * height > limits.max_pixels:
        raise DecodeError(
            reason="decompression-bomb",
            detail=f"{width}x{height} pixels is over the limit of "
            f"{limits.max_pixels}; raise ImageLimits.max_pixels to decode it",
        )
    return image


def _reduce_for_pdq(image: Image.Image, side: int) -> None:
    """Ask the decoder for a smaller picture (JPEG DCT scaling); a no-op for other formats."""
    if image.format == "JPEG" and min(image.size) >= 2 * side:
        image.draft("RGB", (side, side))


def decode_image(data: bytes, limits: ImageLimits, side: int | None = None) -> DecodedImage:
    """Decode for PDQ: reduced where cheap, EXIF orientation applied, RGB.

    ``side`` (default ``limits.pdq_decode_side``) is the least each side is reduced to;
    the feature stage asks for more detail than PDQ needs (:func:`pdq_view`).
    """
    image = open_image(data, limits)
    width, height = image.size
    fmt = (image.format or "unknown").lower()
    _reduce_for_pdq(image, limits.pdq_decode_side if side is None else side)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
            rgb = image if image.mode == "RGB" else image.convert("RGB")
            turned = _orient(image, rgb)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning) as exc:
        raise corrupt(exc) from exc
    if turned.size != rgb.size:
        width, height = height, width
    return DecodedImage(image=turned, width=width, height=height, format=fmt)


def pdq_view(data: bytes, decoded: DecodedImage, limits: ImageLimits) -> Image.Image:
    """The picture PDQ would have been computed from, made from a more detailed decode.

    A JPEG decoded with DCT scaling at 1/4 and then box-reduced by 2 gives (within
    rounding) the pixels of a 1/8 decode, so one decode serves both PDQ and the local
    features, and the PDQ stays that of ``decode_image(data, limits)``.
    """
    header = open_image(data, limits)
    _reduce_for_pdq(header, limits.pdq_decode_side)
    factor = max(decoded.image.size) // max(1, max(header.size))
    return decoded.image.reduce(factor) if factor > 1 else decoded.image


def _orient(source: Image.Image, rgb: Image.Image) -> Image.Image:
    """Apply the EXIF orientation of ``source`` to ``rgb`` (no copy when upright)."""
    orientation = source.getexif().get(0x0112, 1)
    method = EXIF_TRANSPOSE.get(orientation)
    return rgb if method is None else rgb.transpose(method)


EXIF_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def decode_full(data: bytes, limits: ImageLimits, mode: str = "RGB") -> Image.Image:
    """Decode at full size with orientation applied (for clue extractors such as OCR)."""
    image = open_image(data, limits)
    try:
        image.load()
        return (ImageOps.exif_transpose(image) or image).convert(mode)
    except (OSError, SyntaxError, ValueError) as exc:
        raise corrupt(exc) from exc


def open_upright(
    path: Path | str, mode: str = "RGB", limits: ImageLimits = DEFAULT_LIMITS
) -> Image.Image:
    """The picture in a file at full size, upright, in ``mode``; DecodeError if it cannot be.

    The file is read without touching its access time (it may be evidence).
    """
    return decode_full(read_evidence(path), limits, mode)


def corrupt(exc: BaseException) -> DecodeError:
    return DecodeError(reason="corrupt-image", detail=str(exc))


def thumbnail_jpeg(image: Image.Image, side: int) -> bytes:
    """A small JPEG of the picture for the reviewer (blurred only when shown).

    An integer box reduction (a fraction of a bilinear resize's cost) to between half
    and the whole of ``side`` on the long edge.
    """
    factor = -(-max(image.size) // side)  # ceil: the result fits in side × side
    thumb = image.reduce(factor) if factor > 1 else image
    if thumb.mode not in ("RGB", "L"):
        thumb = thumb.convert("RGB")
    out = io.BytesIO()
    thumb.save(out, "JPEG", quality=80)
    return out.getvalue()
