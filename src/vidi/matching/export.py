"""``vidi export`` and ``vidi category set``: a case's media as a hash list, and categories.

The export carries every media item of the case with its hashes, size, a file name and
its category (the investigator's, else the most serious exact hash-list match), written
by the hash-list writers so that ``vidi hashlist import`` and other VICS tools read it
back. Both actions are audited.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path, PurePath

from sqlalchemy.orm import Session

from vidi import audit
from vidi.cases import get_case
from vidi.errors import NotFound, VidiError
from vidi.hashlists import IGNORABLE, VICS_CATEGORY_NAMES, ExportItem, write_csv, write_vics
from vidi.matching.review import case_media_status
from vidi.store.db import Database
from vidi.store.models import Media

EXPORT_FORMATS: tuple[str, ...] = ("vics", "csv")
CATEGORIES: tuple[str, ...] = (*VICS_CATEGORY_NAMES.values(), IGNORABLE)
_OTHER_VICS = re.compile(r"vics-\d+")


def _items(session: Session, case_id: int) -> Iterator[ExportItem]:
    for media in case_media_status(session, case_id):
        names = (PurePath(media.path).name,) if media.path else ()
        yield ExportItem(
            md5=media.md5,
            sha1=media.sha1,
            sha256=media.sha256,
            pdq=media.pdq,
            category=media.category,
            size=media.size,
            file_names=names,
        )


def export_case(db: Database, case_name: str, format: str, out: Path) -> int:
    """Write the case's media to ``out`` (VICS 2.0 JSON or CSV); returns how many."""
    if format not in EXPORT_FORMATS:
        raise VidiError(f"unknown export format {format!r}; use one of {', '.join(EXPORT_FORMATS)}")
    with db.session() as session:
        case = get_case(session, case_name)
        with Path(out).open("w", encoding="utf-8", newline="") as handle:
            if format == "vics":
                count = write_vics(_items(session, case.id), handle, case_name=case.name)
            else:
                count = write_csv(_items(session, case.id), handle)
        audit.record(
            session,
            "export.case",
            f"case:{case.name}",
            {"format": format, "path": str(out), "media": count},
        )
    return count


def check_category(category: str) -> str | None:
    """A category word Vidi knows ("none" clears); else a VidiError listing them."""
    word = category.strip().lower()
    if word in ("none", ""):
        return None
    if word in CATEGORIES or _OTHER_VICS.fullmatch(word):
        return word
    raise VidiError(
        f"unknown category {category!r}; use one of {', '.join(CATEGORIES)}, vics-<n> or none"
    )


def set_category(session: Session, sha256: str, category: str) -> str | None:
    """Set (or clear) an investigator's category on a media item; audited."""
    chosen = check_category(category)
    media = session.get(Media, sha256.strip().lower())
    if media is None:
        raise NotFound(f"no media with SHA-256 {sha256!r}")
    before = media.category
    media.category = chosen
    audit.record(session, "media.category", f"media:{media.sha256}", {"from": before, "to": chosen})
    return chosen
