"""Reference galleries: labelled pictures (bags, uniform logos, packaging) searched like media.

``vidi gallery import DIR --name NAME`` reads ``DIR/gallery.csv`` (columns ``file``,
``label``, ``country``, ``note``; the first row names them), extracts each picture's
local features and stores them with the item, so the object index holds gallery items
beside case pictures. New pictures that match an item get an ``object_match`` clue;
the item's country reaches the estimate. Importing again under the same name replaces
the gallery. Vidi ships no gallery: their pictures are the users' own.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from vidi.config import Settings
from vidi.errors import DecodeError, NotFound, VidiError
from vidi.fingerprints.local_features import EXTRACTOR, decode, encode, extract_features
from vidi.index.gallery_index import GalleryEntry, GalleryIndex
from vidi.media.pictures import decode_full, thumbnail_jpeg
from vidi.objects.features import index_in_step, open_object_index
from vidi.places.countries import normalise_country
from vidi.sources.streams import read_evidence
from vidi.store.blobs import BlobStore
from vidi.store.db import Database
from vidi.store.models import Gallery, GalleryItem, LocalFeatureSet

CSV_NAME = "gallery.csv"
COLUMNS = ("file", "label", "country", "note")
MAX_ITEMS = 10_000
"""Gallery items in all galleries together. The feature stage holds every item and its
mirror image in memory (:class:`~vidi.index.gallery_index.GalleryIndex`, ~95 KB an item:
~1 GB at this many) and asks each new picture of them (~32 ms a picture at 1,000 items,
growing with the square root of the count)."""


@dataclass(frozen=True)
class GalleryImport:
    name: str
    items: int
    skipped: tuple[str, ...]
    """One line per row that was not imported, saying why."""


@dataclass(frozen=True)
class GallerySummary:
    name: str
    items: int
    folder: str
    imported_at: str


def import_gallery(db: Database, settings: Settings, folder: Path, name: str) -> GalleryImport:
    """Import (or replace) gallery ``name`` from ``folder``'s pictures and ``gallery.csv``."""
    rows = _read_csv(folder)
    name = name.strip()
    if not name or len(name) > 200:
        raise VidiError("a gallery name is 1 to 200 characters")
    blobs = BlobStore(settings.blob_dir)
    skipped: list[str] = []
    with db.session() as session:
        others = session.scalar(
            select(func.count(GalleryItem.id))
            .join(Gallery, Gallery.id == GalleryItem.gallery_id)
            .where(Gallery.name != name)
        )
        if (others or 0) + len(rows) > MAX_ITEMS:
            raise VidiError(
                f"galleries hold at most {MAX_ITEMS:,} items in all: {others or 0:,} are "
                f"imported in other galleries and {folder / CSV_NAME} lists {len(rows):,}"
            )
        session.execute(delete(Gallery).where(Gallery.name == name))
        session.flush()
        gallery = Gallery(name=name, folder=str(folder.resolve()), item_count=0)
        session.add(gallery)
        session.flush()
        for line, row in rows:
            problem = _import_item(session, settings, blobs, gallery, folder, row)
            if problem:
                skipped.append(f"line {line} ({row.get('file', '')}): {problem}")
            else:
                gallery.item_count += 1
    with open_object_index(settings) as index, db.session() as session:
        index_in_step(session, index)
    return GalleryImport(name, gallery.item_count, tuple(skipped))


def _read_csv(folder: Path) -> list[tuple[int, dict[str, str]]]:
    path = folder / CSV_NAME
    if not path.is_file():
        raise NotFound(f"{folder} has no {CSV_NAME} (columns: {', '.join(COLUMNS)})")
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"file", "label"} - set(reader.fieldnames or ())
        if missing:
            raise VidiError(f"{path.name} lacks the column(s) {', '.join(sorted(missing))}")
        return [
            (i + 2, {k: (v or "").strip() for k, v in row.items() if k})
            for i, row in enumerate(reader)
        ]


def _import_item(session, settings, blobs, gallery, folder, row) -> str | None:  # type: ignore[no-untyped-def]
    file, label = row.get("file", ""), row.get("label", "")
    if not file or not label:
        return "needs a file and a label"
    path = (folder / file).resolve()
    if not path.is_relative_to(folder.resolve()) or not path.is_file():
        return "no such picture in the gallery folder"
    country = None
    if row.get("country"):
        country = normalise_country(row["country"])
        if country is None:
            return f"{row['country']!r} is not an ISO 3166-1 country code"
    try:
        data = read_evidence(path)
        image = decode_full(data, settings.image)
    except (DecodeError, OSError) as exc:
        return f"cannot be read as a picture ({exc})"
    sha256 = hashlib.sha256(data).hexdigest()
    features = extract_features(np.asarray(image))
    mirrored = extract_features(np.ascontiguousarray(np.asarray(image)[:, ::-1]))
    thumbnail = blobs.put("gallery", sha256, thumbnail_jpeg(image, settings.image.thumbnail_side))
    item = GalleryItem(
        gallery_id=gallery.id,
        file=file,
        sha256=sha256,
        label=label[:200],
        country=country,
        note=row.get("note") or None,
        thumbnail=thumbnail,
        mirror_features=encode(mirrored),
    )
    session.add(item)
    session.flush()
    session.add(
        LocalFeatureSet(
            gallery_item_id=item.id,
            extractor=EXTRACTOR,
            points=len(features),
            data=encode(features),
        )
    )
    return None


def gallery_index(session: Session) -> GalleryIndex | None:
    """Every gallery item's features and its mirror image's, for the feature stage to ask
    each new picture's points of (None without galleries)."""
    rows = session.execute(
        select(LocalFeatureSet.id, LocalFeatureSet.data, GalleryItem.mirror_features)
        .join(GalleryItem, GalleryItem.id == LocalFeatureSet.gallery_item_id)
        .where(LocalFeatureSet.extractor == EXTRACTOR)
        .execution_options(yield_per=500)
    )
    index = GalleryIndex(_entries(rows))
    return index if len(index) else None


def _entries(rows: Iterable[tuple[int, bytes, bytes | None]]) -> Iterator[GalleryEntry]:
    for id_, data, mirror in rows:
        yield GalleryEntry(id_, False, decode(data))
        if mirror is not None:  # items imported before 0018 have none
            yield GalleryEntry(id_, True, decode(mirror))


def list_galleries(db: Database) -> list[GallerySummary]:
    with db.session() as session:
        rows = session.scalars(select(Gallery).order_by(Gallery.name))
        return [
            GallerySummary(g.name, g.item_count, g.folder, g.imported_at.isoformat()) for g in rows
        ]


def gallery_count(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Gallery)) or 0
