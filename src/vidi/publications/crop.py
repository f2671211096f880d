"""Rebuild an object crop from pixels only, so nothing of the original file can leave.

The crop is cut from the decoded, upright picture, copied into a fresh array, scaled
down and written as a new PNG. Nothing is carried over from the original: no EXIF,
XMP, ICC profile, comment, text or time chunk, and no run of its bytes (the PNG is
compressed from scaled pixels). After encoding, the PNG is read back chunk by chunk and
refused unless it holds only IHDR, IDAT and IEND, so a library that one day adds a
chunk of its own is caught here and not on the public portal.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

import numpy as np
from PIL import Image

from vidi.errors import InvalidInput, VidiError

MAX_SIDE = 800
"""The published crop's longest side, in pixels, at most."""
REDUCTION = 0.75
"""A crop is always scaled down to at most this share of its own size (fewer details of
the original's pixels leave, and the crop is not a pixel-exact part of the picture)."""
MAX_SHARE = 0.25
"""A crop may cover at most this share of the picture's area: the object, not the scene."""
MIN_SIDE = 16
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ALLOWED_CHUNKS = frozenset({b"IHDR", b"IDAT", b"IEND"})


class CropRefused(VidiError):
    """A crop cannot be published as asked (too large, a person in it, outside the picture)."""


@dataclass(frozen=True)
class Box:
    """A rectangle in the upright picture, in pixels: left, top, width, height."""

    x: int
    y: int
    width: int
    height: int

    @classmethod
    def parse(cls, text: str) -> Box:
        """``"120,80,200,150"`` → Box(120, 80, 200, 150)."""
        parts = [part.strip() for part in text.split(",")]
        if len(parts) != 4 or not all(part.isdigit() for part in parts):
            raise InvalidInput(
                f"a box is four whole numbers x,y,width,height in pixels, got {text!r}"
            )
        x, y, width, height = (int(part) for part in parts)
        return cls(x, y, width, height)

    def as_dict(self) -> dict[str, int]:
        return {"x": self.x, "y": self.y, "width": self.width, "height": self.height}


@dataclass(frozen=True)
class Crop:
    """A rebuilt crop: a PNG with pixels only, and its size."""

    png: bytes
    width: int
    height: int


def check_box(box: Box, picture_size: tuple[int, int], max_share: float = MAX_SHARE) -> None:
    """Refuse a box outside the picture, too small to show anything, or too large a share."""
    width, height = picture_size
    if box.width < MIN_SIDE or box.height < MIN_SIDE:
        raise CropRefused(f"the box must be at least {MIN_SIDE}×{MIN_SIDE} pixels")
    if box.x + box.width > width or box.y + box.height > height:
        raise CropRefused(
            f"the box {box.x},{box.y},{box.width},{box.height} reaches outside the "
            f"{width}×{height} picture"
        )
    share = (box.width * box.height) / (width * height)
    if share > max_share:
        raise CropRefused(
            f"the box covers {share:.0%} of the picture; a published crop may cover at most "
            f"{max_share:.0%}: select the object only"
        )


def cut(picture: Image.Image, box: Box) -> Image.Image:
    """The box's pixels as a new RGB image made from a fresh array (no info carried)."""
    pixels = np.asarray(picture.convert("RGB"))
    region = pixels[box.y : box.y + box.height, box.x : box.x + box.width]
    return Image.fromarray(np.array(region, dtype=np.uint8, copy=True))


def rebuild_crop(
    picture: Image.Image,
    box: Box,
    *,
    max_share: float = MAX_SHARE,
    max_side: int = MAX_SIDE,
) -> Crop:
    """Check the box, cut it, scale it down and encode a PNG of pixels only."""
    check_box(box, picture.size, max_share)
    region = cut(picture, box)
    scale = min(REDUCTION, max_side / max(box.width, box.height))
    size = (max(1, round(box.width * scale)), max(1, round(box.height * scale)))
    small = region.resize(size, Image.Resampling.LANCZOS)
    fresh = Image.fromarray(np.array(np.asarray(small), dtype=np.uint8, copy=True))
    out = io.BytesIO()
    fresh.save(out, "PNG")
    png = out.getvalue()
    extra = sorted(set(png_chunks(png)) - ALLOWED_CHUNKS)
    if extra:
        raise CropRefused(f"the encoded crop holds chunks {extra!r}; nothing was published")
    return Crop(png=png, width=size[0], height=size[1])


def png_chunks(png: bytes) -> list[bytes]:
    """The chunk types of a PNG, in order (``[b"IHDR", b"IDAT", …, b"IEND"]``)."""
    if not png.startswith(PNG_MAGIC):
        raise CropRefused("the crop is not a PNG")
    chunks = []
    at = len(PNG_MAGIC)
    while at + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[at : at + 8])
        chunks.append(kind)
        at += 12 + length
    return chunks
