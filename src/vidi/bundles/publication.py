"""The publication bundle: approved object crops and their public texts, nothing else.

Layout of a bundle folder::

    manifest.json   signed manifest (see signing.py): format "vidi-publication", signer,
                    created_at, SHA-256 of every file below
    manifest.sig    Ed25519 signature of manifest.json
    objects.json    [{"id", "object_type", "crop", "texts": {lang: {"title", "question"}}}]
    crops/<id>.png  one PNG per object

The workbench writes it (after review and approval) with :func:`write_publication_bundle`;
the portal reads it with :func:`read_publication_bundle`, which refuses the whole bundle
if anything does not verify.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from vidi.bundles.signing import (
    BundleRefused,
    SigningKey,
    canonical_json,
    read_signed_bundle,
    write_signed_bundle,
)
from vidi.errors import InvalidInput

PUBLICATION_FORMAT = "vidi-publication"
OBJECTS_FILE = "objects.json"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_CROP_BYTES = 8 * 1024 * 1024
MAX_TITLE = 200
MAX_QUESTION = 2000
OBJECT_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
LANGUAGE = re.compile(r"[a-z]{2}")


class ObjectType(StrEnum):
    """What kind of object a crop shows: the portal's gallery is grouped by it."""

    CLOTHING = "clothing"
    TOY = "toy"
    BAG_OR_PACKAGING = "bag-or-packaging"
    FURNITURE = "furniture"
    HOUSEHOLD = "household"
    LOGO_OR_TEXT = "logo-or-text"
    PLACE_OR_VIEW = "place-or-view"
    OTHER = "other"


@dataclass(frozen=True)
class ObjectText:
    """The public words for one object in one language."""

    title: str
    question: str


@dataclass(frozen=True)
class PublishedObject:
    """One approved object: a public id (not a case id), its type, crop and texts."""

    id: str
    object_type: ObjectType
    crop_png: bytes
    texts: dict[str, ObjectText]
    """Language code (``en``, ``de`` …) → text; at least one."""

    def text(self, language: str) -> ObjectText:
        """The text in ``language``, else English, else the first one given."""
        return self.texts.get(language) or self.texts.get("en") or next(iter(self.texts.values()))


@dataclass(frozen=True)
class Publication:
    """A verified publication bundle, held in memory."""

    objects: tuple[PublishedObject, ...]
    created_at: str
    signer: str

    def by_id(self, object_id: str) -> PublishedObject | None:
        return next((item for item in self.objects if item.id == object_id), None)


def write_publication_bundle(
    out: Path, objects: list[PublishedObject], key: SigningKey
) -> dict[str, Any]:
    """Write ``objects`` as a signed publication bundle in the new folder ``out``.

    Checks every object first (id, PNG, text lengths), so a bad one writes nothing.
    Returns the manifest.
    """
    seen: set[str] = set()
    for item in objects:
        problem = _object_problem(item)
        if problem is None and item.id in seen:
            problem = "the id is used twice"
        if problem is not None:
            raise InvalidInput(f"object {item.id!r} cannot be published: {problem}")
        seen.add(item.id)
    files = {f"crops/{item.id}.png": item.crop_png for item in objects}
    records = [
        {
            "id": item.id,
            "object_type": item.object_type.value,
            "crop": f"crops/{item.id}.png",
            "texts": {
                language: {"title": text.title, "question": text.question}
                for language, text in sorted(item.texts.items())
            },
        }
        for item in objects
    ]
    files[OBJECTS_FILE] = canonical_json(records)
    created_at = datetime.now(UTC).replace(microsecond=0).isoformat()
    return write_signed_bundle(out, PUBLICATION_FORMAT, files, key, {"created_at": created_at})


def read_publication_bundle(folder: Path, trusted: Ed25519PublicKey) -> Publication:
    """Verify the bundle in ``folder`` (signature, signer, every hash) and load it."""
    manifest, files = read_signed_bundle(folder, PUBLICATION_FORMAT, trusted)
    try:
        records = json.loads(files[OBJECTS_FILE])
    except (KeyError, ValueError):
        problem = f"{OBJECTS_FILE} missing or not JSON"
        raise BundleRefused(f"bundle {folder} refused: {problem}") from None
    if not isinstance(records, list):
        raise BundleRefused(f"bundle {folder} refused: {OBJECTS_FILE} is not a list")
    objects = tuple(_object_from_record(folder, record, files) for record in records)
    if len({item.id for item in objects}) != len(objects):
        raise BundleRefused(f"bundle {folder} refused: an object id is used twice")
    return Publication(
        objects=objects, created_at=str(manifest.get("created_at")), signer=manifest["signer"]
    )


def _object_from_record(folder: Path, record: Any, files: dict[str, bytes]) -> PublishedObject:
    try:
        item = PublishedObject(
            id=record["id"],
            object_type=ObjectType(record["object_type"]),
            crop_png=files[record["crop"]],
            texts={
                language: ObjectText(title=text["title"], question=text["question"])
                for language, text in record["texts"].items()
            },
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise BundleRefused(f"bundle {folder} refused: an object record is malformed") from None
    problem = _object_problem(item)
    if problem is not None:
        raise BundleRefused(f"bundle {folder} refused: object {item.id!r}: {problem}")
    return item


def _object_problem(item: PublishedObject) -> str | None:
    if not isinstance(item.id, str) or not OBJECT_ID.fullmatch(item.id):
        return "the id must be 1-64 lower-case letters, digits or '-'"
    if not item.crop_png.startswith(PNG_MAGIC):
        return "the crop is not a PNG"
    if len(item.crop_png) > MAX_CROP_BYTES:
        return f"the crop is larger than {MAX_CROP_BYTES} bytes"
    if not item.texts:
        return "it has no public text"
    for language, text in item.texts.items():
        if not isinstance(language, str) or not LANGUAGE.fullmatch(language):
            return f"{language!r} is not a two-letter language code"
        if not isinstance(text.title, str) or not 0 < len(text.title) <= MAX_TITLE:
            return f"the {language} title must have 1-{MAX_TITLE} characters"
        if not isinstance(text.question, str) or not 0 < len(text.question) <= MAX_QUESTION:
            return f"the {language} question must have 1-{MAX_QUESTION} characters"
    return None
