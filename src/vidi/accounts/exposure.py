"""Showing less: thumbnails blurred on the server, and what a user has been shown.

The blurred picture is made here, before any byte leaves the server, so a browser
that ignores CSS still receives only the blurred one. The clear thumbnail leaves only
through :func:`reveal`, which is audited and counted.
"""

from __future__ import annotations

import hashlib
import io
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageFilter, ImageOps
from sqlalchemy.orm import Session

from vidi.accounts.types import AccountPolicy, Exposure, ExposureSettings, Identity, Picture, aware
from vidi.accounts.users import exposure_settings
from vidi.audit import record
from vidi.errors import NotFound
from vidi.store.models import Case, Media, UserAccount, WebSession


def blurred_jpeg(clear: bytes, settings: ExposureSettings) -> bytes:
    """CLEAR (a JPEG thumbnail) scaled to the user's size, blurred, greyed if asked."""
    with Image.open(io.BytesIO(clear)) as opened:
        picture = opened.convert("L" if settings.greyscale else "RGB")
    picture.thumbnail((settings.thumb_size, settings.thumb_size))
    # The radius scales with the picture, so a strength looks the same at every size.
    radius = max(ExposureSettings.MIN_BLUR, settings.blur_strength) * max(picture.size) / 256
    blurred = picture.filter(ImageFilter.GaussianBlur(radius))
    if settings.greyscale:
        blurred = ImageOps.autocontrast(blurred, cutoff=1)
    out = io.BytesIO()
    blurred.save(out, "JPEG", quality=70)
    return out.getvalue()


def thumbnail_bytes(blob_dir: Path, media: Media) -> bytes:
    if not media.thumbnail:
        raise NotFound("this media item has no thumbnail")
    try:
        return (blob_dir / media.thumbnail).read_bytes()
    except OSError:
        raise NotFound("this media item's thumbnail is missing from the home") from None


def blurred_thumbnail(blob_dir: Path, media: Media, settings: ExposureSettings) -> Picture:
    etag = hashlib.sha256(f"{media.sha256}:{settings.key}".encode()).hexdigest()[:32]
    data = blurred_jpeg(thumbnail_bytes(blob_dir, media), settings)
    return Picture(data, "image/jpeg", etag, clear=False)


def reveal(session: Session, blob_dir: Path, who: Identity, case: Case, media: Media) -> Picture:
    """The clear thumbnail: an audit event and one more reveal on the session's counter."""
    data = thumbnail_bytes(blob_dir, media)
    row = session.get(WebSession, who.session_id)
    if row is not None:
        row.reveals += 1
    user = session.get(UserAccount, who.user_id)
    if user is not None:
        user.reveals += 1
    record(session, "reveal", f"media:{media.sha256}", {"case": case.id}, actor=who.name)
    return Picture(data, "image/jpeg", "", clear=True)


def exposure(session: Session, who: Identity, now: datetime, policy: AccountPolicy) -> Exposure:
    """The user's settings and counters: this session, and all their sessions ever."""
    user = session.get(UserAccount, who.user_id)
    if user is None:
        raise NotFound("the signed-in user no longer exists")
    current = session.get(WebSession, who.session_id)
    session_reveals = current.reveals if current else 0
    session_minutes = _minutes(current, now) if current else 0
    due = (
        session_minutes >= policy.break_after_minutes
        or session_reveals >= policy.break_after_reveals
    )
    return Exposure(
        exposure_settings(user),
        session_reveals,
        session_minutes,
        user.reveals,
        user.exposed_seconds // 60,
        due,
    )


def _minutes(row: WebSession, now: datetime) -> int:
    """Minutes from sign-in to now (the session is alive, so it was in use until lately)."""
    return int((now - aware(row.created_at)).total_seconds() // 60)
