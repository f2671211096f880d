"""The database schema: the words of the design as tables.

One ``media`` row per SHA-256, ever; each file that holds it is an ``occurrence``.
Every hash, clue and match records the extractor (and its version) that made it.
Schema changes go through Alembic migrations in ``store/migrations``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Case(Base):
    """An investigation: owns sources, has a lead country."""

    __tablename__ = "case"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    country: Mapped[str | None] = mapped_column(String(2))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    public_id: Mapped[str] = mapped_column(
        String(36), unique=True, index=True, default=lambda: str(uuid.uuid4())
    )  # the CaseID of every export of this case (migration 0011)


class Source(Base):
    """One seized item as received: a folder, a single file or an archive."""

    __tablename__ = "source"
    __table_args__ = (UniqueConstraint("case_id", "uri", name="uq_source_case_uri"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    uri: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))  # folder | file | archive
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(BigInteger)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class IngestRun(Base):
    """One ``vidi ingest`` invocation, with its counts and timing."""

    __tablename__ = "ingest_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="running")
    paths: Mapped[list[Any]] = mapped_column(JSON, default=list)
    files_seen: Mapped[int] = mapped_column(Integer, default=0)
    files_skipped: Mapped[int] = mapped_column(Integer, default=0)
    bytes_seen: Mapped[int] = mapped_column(BigInteger, default=0)
    media_new: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    elapsed_s: Mapped[float | None] = mapped_column(Float)
    failure: Mapped[str | None] = mapped_column(Text)
    """Why a run ended 'failed' (one line)."""
    pid: Mapped[int | None] = mapped_column(Integer)
    host: Mapped[str | None] = mapped_column(String(255))
    progress_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """When the run last stored a batch; with pid and host, tells a killed run from a slow one."""
    atime_fallbacks: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Evidence opens the kernel refused O_NOATIME for (their access times may have changed)."""


class Media(Base):
    """Unique content, keyed by SHA-256, with its fingerprints."""

    __tablename__ = "media"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    md5: Mapped[str] = mapped_column(String(32), index=True)
    sha1: Mapped[str] = mapped_column(String(40), index=True)
    media_type: Mapped[str] = mapped_column(String(8))  # image | video
    format: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    pdq: Mapped[str | None] = mapped_column(String(64), index=True)
    pdq_quality: Mapped[int | None] = mapped_column(Integer)
    fingerprinter: Mapped[str | None] = mapped_column(String(64))
    duration_s: Mapped[float | None] = mapped_column(Float)
    frame_rate: Mapped[float | None] = mapped_column(Float)
    video_codec: Mapped[str | None] = mapped_column(String(32))
    audio_codec: Mapped[str | None] = mapped_column(String(32))
    has_audio: Mapped[bool | None] = mapped_column(Boolean)
    thumbnail: Mapped[str | None] = mapped_column(String(200))
    first_case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id", ondelete="SET NULL"))
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    group_id: Mapped[str | None] = mapped_column(String(64), index=True)
    category: Mapped[str | None] = mapped_column(String(64))
    extracted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Occurrence(Base):
    """One file at one path in one source (possibly inside a chain of archives)."""

    __tablename__ = "occurrence"
    __table_args__ = (
        UniqueConstraint("source_id", "path_key", name="uq_occurrence_place"),
        Index("ix_occurrence_source_media", "source_id", "media_sha256"),  # the grid's filter
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_run.id", ondelete="SET NULL"))
    path: Mapped[str] = mapped_column(Text)
    archive_chain: Mapped[list[Any]] = mapped_column(JSON, default=list)
    path_key: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    md5: Mapped[str] = mapped_column(String(32))
    sha1: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    file_type: Mapped[str] = mapped_column(String(32))
    media_sha256: Mapped[str | None] = mapped_column(
        ForeignKey("media.sha256", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class IngestError(Base):
    """A file (or archive entry) that could not be taken in, and why."""

    __tablename__ = "ingest_error"
    __table_args__ = (
        UniqueConstraint("source_id", "path_key", "stage", name="uq_ingest_error_place"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_run.id", ondelete="SET NULL"))
    path: Mapped[str] = mapped_column(Text)
    archive_chain: Mapped[list[Any]] = mapped_column(JSON, default=list)
    path_key: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(16))  # enumerate | digest | decode | fingerprint
    reason: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class VideoFrame(Base):
    """One sampled frame of a video: its PDQ hash (together they are the vPDQ)."""

    __tablename__ = "video_frame"
    __table_args__ = (UniqueConstraint("media_sha256", "frame_number", name="uq_video_frame"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    media_sha256: Mapped[str] = mapped_column(ForeignKey("media.sha256", ondelete="CASCADE"))
    frame_number: Mapped[int] = mapped_column(Integer)
    timestamp_s: Mapped[float] = mapped_column(Float)
    pdq: Mapped[str] = mapped_column(String(64), index=True)
    quality: Mapped[int] = mapped_column(Integer)


class AudioFingerprint(Base):
    """A Chromaprint fingerprint of a video's (or audio file's) sound track."""

    __tablename__ = "audio_fingerprint"

    media_sha256: Mapped[str] = mapped_column(
        ForeignKey("media.sha256", ondelete="CASCADE"), primary_key=True
    )
    duration_s: Mapped[float] = mapped_column(Float)
    fingerprint: Mapped[list[Any]] = mapped_column(JSON)
    fingerprinter: Mapped[str] = mapped_column(String(64))


class AudioCode(Base):
    """One sub-fingerprint code of a sound track: the inverted index audio links search.

    ``code`` is the top 20 bits of a Chromaprint item (see
    :mod:`vidi.matching.audio_index`); each code is kept once per track, at the first
    item ``offset`` where it occurs.
    """

    __tablename__ = "audio_code"

    code: Mapped[int] = mapped_column(Integer, primary_key=True)
    media_sha256: Mapped[str] = mapped_column(
        ForeignKey("media.sha256", ondelete="CASCADE"), primary_key=True, index=True
    )
    offset: Mapped[int] = mapped_column(Integer)


class HashList(Base):
    """An imported list of known hashes (VICS, CSV, NSRL)."""

    __tablename__ = "hashlist"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    format: Mapped[str] = mapped_column(String(16))
    file_sha256: Mapped[str] = mapped_column(String(64))
    ignorable: Mapped[bool] = mapped_column(Boolean, default=False)
    entry_count: Mapped[int] = mapped_column(Integer, default=0)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    matched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """When stored media were matched against this version; NULL while that is pending."""


class HashListEntry(Base):
    """One known item of a hash list, with its category and the fields we keep as-is."""

    __tablename__ = "hashlist_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hashlist_id: Mapped[int] = mapped_column(
        ForeignKey("hashlist.id", ondelete="CASCADE"), index=True
    )
    md5: Mapped[str | None] = mapped_column(String(32), index=True)
    sha1: Mapped[str | None] = mapped_column(String(40), index=True)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    pdq: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Match(Base):
    """Media ↔ a known entry or other media, exact or by distance."""

    __tablename__ = "match"
    __table_args__ = (
        UniqueConstraint(
            "media_sha256", "kind", "hashlist_entry_id", "other_sha256", name="uq_match"
        ),
        Index("ix_match_other", "other_sha256"),
        # uq_match never fires: every row has either no entry or no other media, and NULLs
        # are distinct in a unique key. These two do, and also serve the foreign-key
        # cascade when a replaced hash list deletes its entries.
        Index("uq_match_entry", "hashlist_entry_id", "media_sha256", "kind", unique=True),
        Index("uq_match_media", "other_sha256", "media_sha256", "kind", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    media_sha256: Mapped[str] = mapped_column(
        ForeignKey("media.sha256", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(
        String(16)
    )  # md5 | sha1 | sha256 | pdq | vpdq | frame | audio
    distance: Mapped[float] = mapped_column(Float, default=0.0)
    hashlist_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("hashlist_entry.id", ondelete="CASCADE")
    )
    other_sha256: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Clue(Base):
    """One extracted (or investigator-given) fact with its evidence and provenance."""

    __tablename__ = "clue"
    __table_args__ = (
        Index("ix_clue_kind_value", "kind", "value"),
        Index("ix_clue_kind_media", "kind", "media_sha256"),  # the grid's clue-kind filter
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    media_sha256: Mapped[str] = mapped_column(
        ForeignKey("media.sha256", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(Text)
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    region: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    extractor: Mapped[str] = mapped_column(String(64))
    extractor_version: Mapped[str] = mapped_column(String(32))
    author: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ExtractionDone(Base):
    """Which extractor (at which version) has already run on which media: makes it resumable."""

    __tablename__ = "extraction_done"

    media_sha256: Mapped[str] = mapped_column(
        ForeignKey("media.sha256", ondelete="CASCADE"), primary_key=True
    )
    extractor: Mapped[str] = mapped_column(String(64), primary_key=True)
    extractor_version: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # ok | failed
    error: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEvent(Base):
    """Append-only, hash-chained log of what was done and by whom.

    ``seq`` is the event's gap-free place in the chain (1, 2, 3, ...); ``id`` is only the
    row key. ``hash_version`` 2 covers every field; version 1 rows predate that (see
    ``vidi.audit.chain``).
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    hash_version: Mapped[int] = mapped_column(Integer, server_default="1")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The one row that says how long the audit chain is and what its last hash is.

    Every append locks this row first, so appends from any number of processes are
    serialised and each one extends the real head.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    events: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class UserAccount(Base):
    """A person who signs in to the web workbench, with their role and exposure settings.

    ``password_hash`` is an argon2id hash; ``must_change_password`` is set for one-time
    passwords. ``totp_secret`` turns on the second step; ``totp_pending`` holds a secret
    being enrolled until a code from it is confirmed.
    """

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # admin | investigator | viewer
    password_hash: Mapped[str] = mapped_column(Text)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_pending: Mapped[str | None] = mapped_column(String(64))
    blur_strength: Mapped[int] = mapped_column(Integer, default=24)
    greyscale: Mapped[bool] = mapped_column(Boolean, default=True)
    thumb_size: Mapped[int] = mapped_column(Integer, default=192)
    reveals: Mapped[int] = mapped_column(Integer, default=0)
    """Clear pictures shown to this user, ever (the exposure counter)."""
    exposed_seconds: Mapped[int] = mapped_column(Integer, default=0)
    """Time spent in signed-in sessions, ever (gaps longer than the idle limit not counted)."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CaseMember(Base):
    """A user who may see a case: every case page, thumbnail and API route checks this."""

    __tablename__ = "case_member"
    __table_args__ = (UniqueConstraint("case_id", "user_id", name="uq_case_member"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebSession(Base):
    """A server-side sign-in session; the browser holds only a random token.

    ``id`` is the SHA-256 of that token, so a copy of the table signs nobody in.
    ``stage`` is ``password`` (a new password is owed), ``totp`` (the code is owed) or
    ``full``. ``reveals`` counts clear pictures shown in this session.
    """

    __tablename__ = "web_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[str] = mapped_column(String(16))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reveals: Mapped[int] = mapped_column(Integer, default=0)


class SignInFailure(Base):
    """A failed sign-in, kept for the throttle window (per user name and per client)."""

    __tablename__ = "sign_in_failure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_name: Mapped[str] = mapped_column(String(64), index=True)
    client: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class Publication(Base):
    """An object crop proposed for the public portal, and who proposed, approved or withdrew it.

    ``public_id`` is the only id that leaves the workbench (random, never a case or media
    id). The crop is a new PNG rebuilt from pixels, kept as a blob (``crop_path``).
    ``status`` is ``proposed`` → ``approved`` (by a second person) or ``withdrawn``.
    """

    __tablename__ = "publication"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(64), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    media_sha256: Mapped[str] = mapped_column(
        ForeignKey("media.sha256", ondelete="CASCADE"), index=True
    )
    box: Mapped[dict[str, Any]] = mapped_column(JSON)
    object_type: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(2))
    description: Mapped[str] = mapped_column(Text)
    question: Mapped[str] = mapped_column(Text)
    crop_path: Mapped[str] = mapped_column(String(200))
    crop_sha256: Mapped[str] = mapped_column(String(64))
    crop_width: Mapped[int] = mapped_column(Integer)
    crop_height: Mapped[int] = mapped_column(Integer)
    person_check: Mapped[str] = mapped_column(String(200))
    """Which packaged detector looked at the crop and found no person."""
    status: Mapped[str] = mapped_column(String(16), index=True)
    author: Mapped[str] = mapped_column(String(200))
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    approver: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by: Mapped[str | None] = mapped_column(String(200))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdraw_reason: Mapped[str | None] = mapped_column(Text)
    exported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Tip(Base):
    """A tip from the public about a published object, imported from a signed tip bundle.

    ``tip_id`` is the portal's id (a re-import adds nothing). ``publication_id`` is NULL
    when no publication here has the tip's object id. ``status``: new | useful |
    not-useful | forwarded. ``abuse_flag`` marks a tip that may report other abuse: a
    person must read and route it.
    """

    __tablename__ = "tip"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tip_id: Mapped[str] = mapped_column(String(64), unique=True)
    publication_id: Mapped[int | None] = mapped_column(
        ForeignKey("publication.id", ondelete="SET NULL"), index=True
    )
    object_id: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    what: Mapped[str] = mapped_column(Text)
    where_seen: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(Text)
    consent: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16), index=True)
    abuse_flag: Mapped[bool] = mapped_column(Boolean, default=False)
    abuse_reason: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    clue_id: Mapped[int | None] = mapped_column(ForeignKey("clue.id", ondelete="SET NULL"))
    bundle_signer: Mapped[str] = mapped_column(String(64))
    imported_by: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status_by: Mapped[str | None] = mapped_column(String(200))
    status_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Gallery(Base):
    """A labelled reference collection (bags, uniform logos, packaging) searched like media."""

    __tablename__ = "gallery"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    folder: Mapped[str] = mapped_column(Text)
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class GalleryItem(Base):
    """One reference picture of a gallery, with the label and country it stands for."""

    __tablename__ = "gallery_item"
    __table_args__ = (UniqueConstraint("gallery_id", "file", name="uq_gallery_item_file"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    gallery_id: Mapped[int] = mapped_column(
        ForeignKey("gallery.id", ondelete="CASCADE"), index=True
    )
    file: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))
    note: Mapped[str | None] = mapped_column(Text)
    thumbnail: Mapped[str | None] = mapped_column(String(200))
    mirror_features: Mapped[bytes | None] = mapped_column(LargeBinary)
    """The item's mirror image's local features (its own are a ``local_features`` row):
    a picture showing the item mirrored is found by these (0018)."""


class LocalFeatureSet(Base):
    """A picture's keypoints and binary descriptors (vidi.fingerprints.local_features).

    Its ``id`` is the picture's row in the object index; it belongs to a media item or
    to a gallery item. A row is never rewritten: features described again are a new row
    (a new id), so that the table's row count and highest id change with every change
    (the indexes' stamp, :mod:`vidi.objects.features`). ``data`` is 16 + 36 bytes per
    point (at most 2,000 points; sets stored before the recall round hold at most 700).
    """

    __tablename__ = "local_features"
    __table_args__ = {"sqlite_autoincrement": True}  # an id is never given twice (0017)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    media_sha256: Mapped[str | None] = mapped_column(
        ForeignKey("media.sha256", ondelete="CASCADE"), unique=True
    )
    gallery_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("gallery_item.id", ondelete="CASCADE"), unique=True
    )
    extractor: Mapped[str] = mapped_column(String(32))
    points: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Series(Base):
    """Media an investigator judges to belong together (one victim, one scene, one set).

    A series belongs to one case; ``vidi place --series`` estimates it. A series merged
    into another keeps its row (``merged_into_id``) so its history still reads.
    """

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("series.id", ondelete="SET NULL"))


class SeriesMember(Base):
    """A media item in a series, and who put it there."""

    __tablename__ = "series_member"
    __table_args__ = (UniqueConstraint("series_id", "media_sha256", name="uq_series_member"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"))
    media_sha256: Mapped[str] = mapped_column(
        ForeignKey("media.sha256", ondelete="CASCADE"), index=True
    )
    added_by: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SeriesProposal(Base):
    """A media item Vidi proposes for a series, with its reasons; ``state`` is
    proposed | accepted | rejected (a rejected one is not proposed again)."""

    __tablename__ = "series_proposal"
    __table_args__ = (UniqueConstraint("series_id", "media_sha256", name="uq_series_proposal"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"))
    media_sha256: Mapped[str] = mapped_column(ForeignKey("media.sha256", ondelete="CASCADE"))
    reasons: Mapped[list[Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Grade(Base):
    """A media item's category in a case, by whom and when; older grades stay, not current."""

    __tablename__ = "grade"
    __table_args__ = (Index("ix_grade_case_media", "case_id", "media_sha256", "current"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"))
    media_sha256: Mapped[str] = mapped_column(ForeignKey("media.sha256", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(64))
    grader: Mapped[str] = mapped_column(String(200))
    graded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    current: Mapped[bool] = mapped_column(Boolean, default=True)


class GradeScale(Base):
    """A case's own category set (digit key n grades with ``categories[n]``)."""

    __tablename__ = "grade_scale"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("case.id", ondelete="CASCADE"), primary_key=True
    )
    categories: Mapped[list[Any]] = mapped_column(JSON)


class ClueReview(Base):
    """An investigator's verdict on a clue: confirmed, or rejected (it stops counting)."""

    __tablename__ = "clue_review"

    clue_id: Mapped[int] = mapped_column(
        ForeignKey("clue.id", ondelete="CASCADE"), primary_key=True
    )
    verdict: Mapped[str] = mapped_column(String(16))
    reviewer: Mapped[str] = mapped_column(String(200))
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CaseMedia(Base):
    """Each media item of a case once: the review grid pages through it in SHA-256 order.

    Filled from the case's occurrences when the grid is asked for a page
    (:func:`vidi.review.grid.sync_case_media`); ``CaseMediaSync`` remembers how far
    (migration 0014).
    """

    __tablename__ = "case_media"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("case.id", ondelete="CASCADE"), primary_key=True
    )
    media_sha256: Mapped[str] = mapped_column(
        ForeignKey("media.sha256", ondelete="CASCADE"), primary_key=True, index=True
    )


class CaseMediaSync(Base):
    """The highest occurrence id already listed in ``case_media`` for a case."""

    __tablename__ = "case_media_sync"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("case.id", ondelete="CASCADE"), primary_key=True
    )
    occurrence_upto: Mapped[int] = mapped_column(Integer)


class Job(Base):
    """A distributed ingest or extraction: chunks travel through the broker, state lives here.

    The broker only carries (job, chunk) ids; what is done is known from ``job_chunk``,
    so a lost broker costs nothing but a re-send (migration 0015).
    """

    __tablename__ = "job"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # ingest | extract
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), index=True)
    paths: Mapped[list[Any]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(16), default="running")  # running | stored | finished
    run_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_run.id", ondelete="SET NULL"))
    chunks: Mapped[int] = mapped_column(Integer, default=0)
    files: Mapped[int] = mapped_column(Integer, default=0)
    """Files (or media, for extraction) planned: the progress bar's total."""
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class JobChunk(Base):
    """A part of a job one worker runs at a time: some files of a source, one archive, or media."""

    __tablename__ = "job_chunk"
    __table_args__ = (UniqueConstraint("job_id", "seq", name="uq_job_chunk_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(Text)
    """The source path the entries lie in (ingest), absolute."""
    entries: Mapped[list[Any] | None] = mapped_column(JSON)
    """Places in a folder source, media SHA-256s (extract), or None for the whole source."""
    files: Mapped[int] = mapped_column(Integer, default=0)
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending|running|done|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(255))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    files_seen: Mapped[int] = mapped_column(Integer, default=0)
    files_skipped: Mapped[int] = mapped_column(Integer, default=0)
    bytes_seen: Mapped[int] = mapped_column(BigInteger, default=0)
    media_new: Mapped[int] = mapped_column(Integer, default=0)
    media_known: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    """Files that failed (ingest); failed extractions (extract)."""
    clues: Mapped[int] = mapped_column(Integer, default=0)
    failure: Mapped[str | None] = mapped_column(Text)
