"""Clues from barcodes and QR codes in a picture, read with zbar (``pyzbar``).

An EAN/UPC code on a product carries a GS1 prefix that names the country of the member
organisation that issued it (``places/`` maps it); a QR code may hold a URL, a Wi-Fi
name or a shop's address. This module only reads the raw payloads.
"""

from __future__ import annotations

import logging

from PIL import Image
from pyzbar import pyzbar

from vidi.clues.base import Clue, MediaInput, Region, open_picture

BARCODE_VERSION = "1"

#: Pictures smaller than this (longest side, px) are read again at twice the size when
#: nothing was found: zbar wants a few pixels per bar.
UPSCALE_BELOW_PX = 1000
#: Symbologies with a check digit; the others (I25, Codabar, Code 39) misread textures more.
CHECKED_TYPES = frozenset({"EAN13", "EAN8", "UPCA", "UPCE", "ISBN13", "ISBN10", "CODE128"})
UNCHECKED_CONFIDENCE = 0.6
#: zbar's 2D symbologies whose payload is text, not a product number.
TEXT_TYPES = frozenset({"QRCODE", "SQCODE", "PDF417"})

log = logging.getLogger(__name__)


class BarcodeExtractor:
    """1D barcodes → ``barcode`` clues (digits, type in detail); QR codes → ``qr_text``."""

    name = "barcode"
    version = BARCODE_VERSION
    applies_to = frozenset({"image"})

    def extract(self, media: MediaInput) -> list[Clue]:
        image = media.image if media.image is not None else open_picture(media, "L")
        if image is None:
            return []
        return read_codes(image)


def read_codes(image: Image.Image) -> list[Clue]:
    """Every code zbar finds, once each, with its box in the picture's pixels."""
    grey = image.convert("L")
    found = _decode(grey, 1.0)
    if not found and max(grey.size) < UPSCALE_BELOW_PX:
        bigger = grey.resize((grey.width * 2, grey.height * 2), Image.Resampling.LANCZOS)
        found = _decode(bigger, 2.0)
    return found


SYMBOLS = [
    pyzbar.ZBarSymbol.EAN13,
    pyzbar.ZBarSymbol.EAN8,
    pyzbar.ZBarSymbol.UPCA,
    pyzbar.ZBarSymbol.UPCE,
    pyzbar.ZBarSymbol.ISBN13,
    pyzbar.ZBarSymbol.ISBN10,
    pyzbar.ZBarSymbol.CODE128,
    pyzbar.ZBarSymbol.CODE39,
    pyzbar.ZBarSymbol.CODE93,
    pyzbar.ZBarSymbol.I25,
    pyzbar.ZBarSymbol.QRCODE,
]
"""What zbar looks for. GS1 DataBar is left out: zbar's DataBar decoder prints assertion
warnings on ordinary pictures, and shop-floor DataBar codes carry no GS1 country prefix."""


def _decode(grey: Image.Image, scale: float) -> list[Clue]:
    clues: dict[tuple[str, str], Clue] = {}
    for symbol in pyzbar.decode(grey, symbols=SYMBOLS):
        clue = _clue(symbol, scale)
        clues.setdefault((clue.kind, clue.value), clue)
    return list(clues.values())


def _payload_text(data: bytes) -> tuple[str, str]:
    """The payload as text and the encoding that worked (UTF-8, else Latin-1)."""
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _clue(symbol: pyzbar.Decoded, scale: float) -> Clue:
    left, top, width, height = (round(v / scale) for v in symbol.rect)
    region = Region(x=left, y=top, width=width, height=height)
    text, encoding = _payload_text(symbol.data)
    detail = {"type": symbol.type, "quality": symbol.quality}
    if symbol.type in TEXT_TYPES:
        detail["encoding"] = encoding
        return Clue(kind="qr_text", value=text, region=region, detail=detail)
    confidence = 1.0 if symbol.type in CHECKED_TYPES else UNCHECKED_CONFIDENCE
    return Clue(kind="barcode", value=text, confidence=confidence, region=region, detail=detail)
