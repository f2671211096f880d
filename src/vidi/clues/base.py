"""The one small interface every clue extractor implements.

An extractor declares its ``name``, ``version`` and the media types it applies to,
and turns one media item into a list of :class:`~vidi.places.clue.Clue` (the one clue
shape, read by the store and the fusion too). It is a pure function of
the media: it reads the file (read-only) and perhaps the decoded picture, and never
touches the database; the clue runner stores what it returns with its provenance.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PIL import Image

from vidi.media.pictures import open_upright
from vidi.places.clue import Clue as Clue  # the one clue shape, beside its kinds
from vidi.places.clue import ClueDetail as ClueDetail
from vidi.places.clue import Region as Region
from vidi.places.kinds import CLUE_KINDS as CLUE_KINDS  # every kind, one line each there


@dataclass(frozen=True)
class MediaInput:
    """What an extractor gets: the media's bytes on disk and, for pictures, the picture.

    ``image`` is decoded at full size with EXIF orientation applied (``None`` for video).
    """

    sha256: str
    media_type: str  # image | video
    path: Path
    image: Image.Image | None = None


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

    def extract(self, media: MediaInput) -> list[Clue]: ...
