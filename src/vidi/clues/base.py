"""The one small interface every clue extractor implements.

An extractor declares its ``name``, ``version`` and the media types it applies to,
and turns one media item into a list of :class:`FoundClue`. It is a pure function of
the media: it reads the file (read-only) and perhaps the decoded picture, and never
touches the database; the clue runner stores what it returns with its provenance.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from PIL import Image

from vidi.media.pictures import open_upright
from vidi.places.kinds import CLUE_KINDS as CLUE_KINDS  # every kind, one line each there


@dataclass(frozen=True)
class Region:
    """Where in the media a clue was found: a box in pixels, or a time span in seconds."""

    x: int | None = None
    y: int | None = None
    width: int | None = None
    height: int | None = None
    start_s: float | None = None
    end_s: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class FoundClue:
    """One fact an extractor found. ``kind`` is a :data:`CLUE_KINDS` word."""

    kind: str
    value: str
    confidence: float = 1.0
    region: Region | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MediaInput:
    """What an extractor gets: the media's bytes on disk and, for pictures, the picture.

    ``image`` is decoded at full size with EXIF orientation applied (``None`` for video).
    """

    sha256: str
    media_type: str  # image | video
    path: Path
    image: Image.Image | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def open_picture(media: MediaInput, mode: str = "RGB") -> Image.Image | None:
    """The media's picture, upright, in ``mode``; None when it cannot be decoded."""
    try:
        return open_upright(media.path, mode)
    except Exception as exc:  # noqa: BLE001 - an undecodable file holds no readable clue
        logging.getLogger(__name__).warning("cannot open %s: %s", media.path, exc)
        return None


class Extractor(Protocol):
    name: str
    version: str
    applies_to: frozenset[str]  # {"image"}, {"video"} or both

    def extract(self, media: MediaInput) -> list[FoundClue]: ...
