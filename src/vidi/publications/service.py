"""Publications: propose an object crop, approve it (a second person), withdraw, export.

The two-person rule: the author of a proposal can never approve it; another person
must, and must confirm that no person is visible in the crop (the packaged person
detector is a first filter, not a guarantee). Anyone may withdraw an object at any time
(a published object can tip off an offender); a withdrawn object is left out of every
later export. Every step is an audit event in the same transaction as the change.

Only :func:`export_publications` writes anything meant to leave: the approved crops and
their public texts, signed with the workbench's publication key (``HOME/publication.key``).
"""

from __future__ import annotations

import hashlib
import io
import secrets
import shutil
import tempfile
from enum import StrEnum
from pathlib import Path

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from vidi import audit
from vidi.bundles import ObjectText, ObjectType, PublishedObject, SigningKey
from vidi.bundles.publication import MAX_QUESTION, MAX_TITLE, write_publication_bundle
from vidi.cases import get_case
from vidi.config import Settings
from vidi.errors import InvalidInput, NotFound, VidiError
from vidi.publications.crop import Box, CropRefused, cut, rebuild_crop
from vidi.publications.persons import PersonDetector, packaged_detector
from vidi.publications.results import PublicationExport, PublicationInfo
from vidi.store.blobs import BlobStore
from vidi.store.db import Database
from vidi.store.models import Case, Media, Occurrence, Publication, utcnow
from vidi.store.queries import case_media

PUBLICATION_KEY = "publication"
"""``HOME/publication.key`` signs bundles; copy ``HOME/publication.pub`` to the portal."""
CROP_BLOBS = "crops"

OBJECT_TYPE_WORDS = {
    "packaging": ObjectType.BAG_OR_PACKAGING,
    "bag": ObjectType.BAG_OR_PACKAGING,
    "logo": ObjectType.LOGO_OR_TEXT,
    "text": ObjectType.LOGO_OR_TEXT,
    "place": ObjectType.PLACE_OR_VIEW,
    "view": ObjectType.PLACE_OR_VIEW,
}
"""Short words an investigator may type for the portal's object types."""


class Status(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    WITHDRAWN = "withdrawn"


class PublicationRefused(VidiError):
    """A publication step is not allowed (the author approving, a withdrawn object …)."""


def object_type(word: str) -> ObjectType:
    """``toy``, ``clothing``, ``packaging``, ``logo``, ``furniture``, ``place``, ``other``…"""
    cleaned = word.strip().lower()
    if cleaned in OBJECT_TYPE_WORDS:
        return OBJECT_TYPE_WORDS[cleaned]
    try:
        return ObjectType(cleaned)
    except ValueError:
        known = sorted({t.value for t in ObjectType} | set(OBJECT_TYPE_WORDS))
        raise InvalidInput(f"unknown object type {word!r}; use one of {', '.join(known)}") from None


def public_text(description: str, question: str, language: str) -> tuple[str, str, str]:
    """The public words, checked against the portal's limits (a refusal names the limit)."""
    description, question, language = description.strip(), question.strip(), language.strip()
    if not 0 < len(description) <= MAX_TITLE:
        raise InvalidInput(f"the description must have 1-{MAX_TITLE} characters")
    if not 0 < len(question) <= MAX_QUESTION:
        raise InvalidInput(f"the question must have 1-{MAX_QUESTION} characters")
    if len(language) != 2 or not language.isascii() or not language.isalpha():
        raise InvalidInput(f"the language must be a two-letter code such as en, got {language!r}")
    if any(ord(c) < 32 for c in description) or any(ord(c) < 32 and c != "\n" for c in question):
        raise InvalidInput("the public texts may not hold control characters")
    return description, question, language.lower()


def propose_publication(
    db: Database,
    settings: Settings,
    case: str,
    media: str,
    box: Box,
    kind: str,
    description: str,
    question: str,
    actor: str,
    *,
    language: str = "en",
    detector: PersonDetector | None = None,
) -> PublicationInfo:
    """Rebuild the crop from pixels, check it (share, person), store it as a proposal."""
    chosen_type = object_type(kind)
    description, question, language = public_text(description, question, language)
    with db.session() as session:
        case_row = _case(session, case)
        _media_of_case(session, case_row, media)
    picture = _read_picture(db, settings, media)
    crop = rebuild_crop(picture, box)
    detector = detector or packaged_detector()
    # Detect on the region at its own resolution: a small person is easier to see there.
    found = detector.find_person(cut(picture, box))
    if found is None:
        found = detector.find_person(_png_image(crop.png))
    if found is not None:
        with db.session() as session:
            audit.record(
                session,
                "publication.refused",
                f"media:{media}",
                {"case": case, "box": box.as_dict(), "reason": found, "detector": detector.name},
                actor=actor,
            )
        raise CropRefused(
            f"a person may be visible in the crop ({found}); nothing was proposed: "
            "select the object only"
        )
    crop_sha256 = hashlib.sha256(crop.png).hexdigest()
    path = BlobStore(settings.blob_dir).put(CROP_BLOBS, crop_sha256, crop.png, ".png")
    with db.session() as session:
        row = Publication(
            public_id=f"obj-{secrets.token_hex(5)}",
            case_id=_case(session, case).id,
            media_sha256=media,
            box=box.as_dict(),
            object_type=chosen_type.value,
            language=language,
            description=description,
            question=question,
            crop_path=path,
            crop_sha256=crop_sha256,
            crop_width=crop.width,
            crop_height=crop.height,
            person_check=detector.name[:200],
            status=Status.PROPOSED.value,
            author=actor,
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            "publication.propose",
            f"publication:{row.id}",
            {
                "public_id": row.public_id,
                "case": case,
                "media": media,
                "box": box.as_dict(),
                "object_type": row.object_type,
                "crop_sha256": crop_sha256,
                "person_check": row.person_check,
            },
            actor=actor,
        )
        return publication_info(session, row)


def approve_publication(
    session: Session, ref: str, actor: str, *, no_person_visible: bool
) -> PublicationInfo:
    """The second person's approval: never the author, and only with their confirmation."""
    row = find_publication(session, ref)
    if row.status != Status.PROPOSED:
        raise PublicationRefused(
            f"publication {row.id} is {row.status}; only a proposal is approved"
        )
    if actor == row.author:
        raise PublicationRefused(
            f"{actor} proposed publication {row.id} and cannot approve it: a second "
            "investigator must"
        )
    if not no_person_visible:
        raise PublicationRefused(
            "the approver must confirm that no person is visible in the crop "
            "(--no-person-visible); the detector alone is not enough"
        )
    row.status, row.approver, row.approved_at = Status.APPROVED.value, actor, utcnow()
    audit.record(
        session,
        "publication.approve",
        f"publication:{row.id}",
        {"public_id": row.public_id, "author": row.author, "no_person_visible": True},
        actor=actor,
    )
    return publication_info(session, row)


def withdraw_publication(
    session: Session, ref: str, actor: str, reason: str | None = None
) -> PublicationInfo:
    """Take an object out of every later export, at once; anyone may, at any time."""
    row = find_publication(session, ref)
    if row.status == Status.WITHDRAWN:
        raise PublicationRefused(
            f"publication {row.id} was already withdrawn by {row.withdrawn_by}"
        )
    before = row.status
    row.status, row.withdrawn_by, row.withdrawn_at = Status.WITHDRAWN.value, actor, utcnow()
    row.withdraw_reason = reason
    audit.record(
        session,
        "publication.withdraw",
        f"publication:{row.id}",
        {"public_id": row.public_id, "was": before, "reason": reason},
        actor=actor,
    )
    return publication_info(session, row)


def list_publications(
    session: Session, case: str | None = None, status: str | None = None
) -> list[PublicationInfo]:
    query = select(Publication).order_by(Publication.id)
    if case is not None:
        query = query.where(Publication.case_id == _case(session, case).id)
    if status is not None:
        if status not in {s.value for s in Status}:
            raise InvalidInput(f"unknown status {status!r}; use proposed, approved or withdrawn")
        query = query.where(Publication.status == status)
    return [publication_info(session, row) for row in session.scalars(query)]


def export_publications(
    db: Database, settings: Settings, out: Path, actor: str
) -> PublicationExport:
    """Write every approved, not withdrawn object as a signed publication bundle in OUT."""
    key = SigningKey.load_or_create(settings.home, PUBLICATION_KEY)
    blobs = BlobStore(settings.blob_dir)
    with db.session() as session:
        rows = list(
            session.scalars(
                select(Publication)
                .where(Publication.status == Status.APPROVED.value)
                .order_by(Publication.id)
            )
        )
        objects = [_published_object(blobs, row) for row in rows]
        manifest = write_publication_bundle(out, objects, key)
        now = utcnow()
        for row in rows:
            row.exported_at = now
        audit.record(
            session,
            "publication.export",
            f"bundle:{out}",
            {"public_ids": [row.public_id for row in rows], "signer": manifest["signer"]},
            actor=actor,
        )
    return PublicationExport(
        out, tuple(r.public_id for r in rows), key.fingerprint, key.public_path
    )


def publication_crop(session: Session, settings: Settings, ref: str) -> bytes:
    """The crop as it will be published (the PNG the approver must look at)."""
    row = find_publication(session, ref)
    return _published_object(BlobStore(settings.blob_dir), row).crop_png


def find_publication(session: Session, ref: str) -> Publication:
    """A publication by its number (``7``) or its public id (``obj-3fa2c1d0e9``)."""
    ref = ref.strip()
    if ref.isdigit():
        row = session.get(Publication, int(ref))
    else:
        row = session.scalars(select(Publication).where(Publication.public_id == ref)).first()
    if row is None:
        raise NotFound(f"no publication {ref!r}; see 'vidi publish list'")
    return row


def publication_info(session: Session, row: Publication) -> PublicationInfo:
    case = session.get(Case, row.case_id)
    return PublicationInfo(
        id=row.id,
        public_id=row.public_id,
        case=case.name if case is not None else "",
        media=row.media_sha256,
        box=dict(row.box),
        object_type=row.object_type,
        language=row.language,
        description=row.description,
        question=row.question,
        status=row.status,
        author=row.author,
        proposed_at=row.proposed_at,
        approver=row.approver,
        approved_at=row.approved_at,
        withdrawn_by=row.withdrawn_by,
        withdrawn_at=row.withdrawn_at,
        withdraw_reason=row.withdraw_reason,
        person_check=row.person_check,
        crop_width=row.crop_width,
        crop_height=row.crop_height,
        crop_sha256=row.crop_sha256,
        exported_at=row.exported_at,
    )


def _published_object(blobs: BlobStore, row: Publication) -> PublishedObject:
    try:
        png = (blobs.root / row.crop_path).read_bytes()
    except OSError:
        raise PublicationRefused(
            f"the crop of publication {row.id} is missing from the home; withdraw it or "
            "restore the home from a backup"
        ) from None
    if hashlib.sha256(png).hexdigest() != row.crop_sha256:
        raise PublicationRefused(
            f"the crop of publication {row.id} has changed since it was approved; nothing "
            "was exported: withdraw it and propose it again"
        )
    return PublishedObject(
        id=row.public_id,
        object_type=ObjectType(row.object_type),
        crop_png=png,
        texts={row.language: ObjectText(title=row.description, question=row.question)},
    )


def _case(session: Session, name: str) -> Case:
    return get_case(session, name)


def _media_of_case(session: Session, case: Case, sha256: str) -> Media:
    media = session.get(Media, sha256)
    in_case = session.scalar(case_media(case.id).where(Occurrence.media_sha256 == sha256).limit(1))
    if media is None or in_case is None:
        raise NotFound(f"no media {sha256} in case {case.name!r}")
    if media.media_type != "image":
        raise InvalidInput(f"media {sha256[:12]}… is a {media.media_type}; crop a picture")
    return media


def _read_picture(db: Database, settings: Settings, sha256: str) -> Image.Image:
    """The media's picture, upright, found again in its source (never modified)."""
    from vidi.clues.runner import places_of
    from vidi.media.pictures import open_upright
    from vidi.sources.locate import materialize

    settings.work_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="crop-", dir=settings.work_dir))
    try:
        with db.session() as session:
            places = places_of(session, [sha256])
        for _, path in materialize(places, settings.archive, scratch):
            return open_upright(path, "RGB", settings.image)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    raise NotFound(f"the file of media {sha256[:12]}… cannot be found in its sources any more")


def _png_image(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")
