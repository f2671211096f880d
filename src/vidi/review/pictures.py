"""The full-size picture of a media item: found again in its source, never modified.

Like the reveal, it is clear picture bytes, so the one caller
(:meth:`vidi.review.workbench_part.ReviewPart.full_picture`) audits and counts it.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from pathlib import Path

from PIL import Image
from sqlalchemy.orm import Session

from vidi.config import Settings
from vidi.errors import InvalidInput, NotFound
from vidi.store.models import Media

FULL_SIZE_LIMIT = 2048
"""The longest side sent: enough to read a label, and a bounded answer."""


def full_jpeg(session: Session, settings: Settings, media: Media) -> bytes:
    """The picture at up to FULL_SIZE_LIMIT pixels, upright, as a JPEG."""
    from vidi.clues.runner import places_of
    from vidi.media.pictures import open_upright
    from vidi.sources.locate import materialize

    if media.media_type != "image":
        raise InvalidInput("a video has no full-size picture; its contact sheet is the view")
    places = places_of(session, [media.sha256])
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="view-", dir=settings.work_dir))
    try:
        for _, path in materialize(places, settings.archive, scratch):
            picture = open_upright(path, "RGB", settings.image)
            return _jpeg(picture)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    raise NotFound("the file of this media item cannot be found in its sources any more")


def _jpeg(picture: Image.Image) -> bytes:
    picture.thumbnail((FULL_SIZE_LIMIT, FULL_SIZE_LIMIT))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=88)
    return out.getvalue()
