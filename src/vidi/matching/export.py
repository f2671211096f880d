"""``vidi export`` and ``vidi category set``: a case's media as a hash list, and categories.

The export carries every media item of the case with its hashes, size, every file of
the case that holds it (name and path inside the source, archive chain included) and
its category (the investigator's, else the most serious exact hash-list match), written
by the hash-list writers so that ``vidi hashlist import`` and other VICS tools read it
back. Both actions are audited.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePosixPath

from sqlalchemy import select
from sqlalchemy.orm import Session

from vidi import audit
from vidi.cases import get_case
from vidi.errors import NotFound, VidiError
from vidi.hashlists import IGNORABLE, VICS_CATEGORY_NAMES, ExportFile, ExportItem
from vidi.hashlists.registry import EXPORT_FORMATS, hash_list_format
from vidi.matching.review import MediaStatus, case_media_status
from vidi.store.db import Database
from vidi.store.models import Media, Occurrence, Source

CATEGORIES: tuple[str, ...] = (*VICS_CATEGORY_NAMES.values(), IGNORABLE)
_OTHER_VICS = re.compile(r"vics-\d+")
_BATCH = 1000


def _items(session: Session, case_id: int) -> Iterator[ExportItem]:
    """Every media item of the case with every file that holds it, a batch at a time."""
    batch: list[MediaStatus] = []
    for media in case_media_status(session, case_id):
        batch.append(media)
        if len(batch) >= _BATCH:
            yield from _with_files(session, case_id, batch)
            batch = []
    yield from _with_files(session, case_id, batch)


def _with_files(
    session: Session, case_id: int, batch: Sequence[MediaStatus]
) -> Iterator[ExportItem]:
    files = _case_files(session, case_id, [m.sha256 for m in batch])
    for media in batch:
        found = files.get(media.sha256, ())
        yield ExportItem(
            md5=media.md5,
            sha1=media.sha1,
            sha256=media.sha256,
            pdq=media.pdq,
            category=media.category,
            size=media.size,
            file_names=tuple(f.name for f in found),
            files=found,
        )


def _case_files(
    session: Session, case_id: int, shas: Sequence[str]
) -> dict[str, tuple[ExportFile, ...]]:
    """Each media item's occurrences in the case, by source and path."""
    rows = session.execute(
        select(Occurrence.media_sha256, Occurrence.path, Occurrence.archive_chain)
        .join(Source, Source.id == Occurrence.source_id)
        .where(Source.case_id == case_id, Occurrence.media_sha256.in_(shas))
        .order_by(Occurrence.media_sha256, Source.id, Occurrence.path, Occurrence.id)
    )
    found: dict[str, list[ExportFile]] = {}
    for sha, path, chain in rows:
        found.setdefault(sha, []).append(export_file(path, chain or ()))
    return {sha: tuple(files) for sha, files in found.items()}


def export_file(path: str, archive_chain: Sequence[str]) -> ExportFile:
    """A file's name and its path inside the source, through its chain of archives.

    The chain and the path join with "/": ``x/b.zip`` then ``inner/a.jpg`` is
    ``x/b.zip/inner/a.jpg``. A top-level archive source's own place (path "") is
    named by the last archive of its chain.
    """
    relative = "/".join(part for part in (*archive_chain, path) if part)
    return ExportFile(PurePosixPath(relative).name or relative, relative)


def export_case(db: Database, case_name: str, format: str, out: Path) -> int:
    """Write the case's media to ``out`` (VICS 2.0 JSON or CSV); returns how many.

    The VICS ``CaseID`` is the case's ``public_id``, the same in every export.
    """
    chosen = hash_list_format(format)
    if chosen is None or chosen.write is None:
        raise VidiError(f"unknown export format {format!r}; use one of {', '.join(EXPORT_FORMATS)}")
    with db.session() as session:
        case = get_case(session, case_name)
        if not case.public_id:
            case.public_id = str(uuid.uuid4())
        with Path(out).open("w", encoding="utf-8", newline="") as handle:
            items = _items(session, case.id)
            count = chosen.write(items, handle, case_name=case.name, case_id=case.public_id)
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
