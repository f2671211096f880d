"""The work done on one file, in a worker process: digest, lookup, decode, fingerprint.

A task names a file on disk (read in place) or a spilled archive member. The worker
reads it once, hashes it, sniffs its type, and asks the database whether the content
is already known; only new pictures are decoded, hashed with PDQ and thumbnailed.
The result is typed data (:mod:`vidi.ingest.records`) the writer stores; expected bad
input becomes a reason.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from PIL import Image
from sqlalchemy import Engine, select

from vidi.config import Settings
from vidi.errors import DecodeError, StorageFull
from vidi.ingest.records import MIRROR_FEATURES, FeatureRecord, FileError, MediaRecord
from vidi.ingest.video_prints import fingerprint_video
from vidi.media.digest import Digest, digest_bytes, digest_stream
from vidi.media.examine import PictureFacts, picture_facts
from vidi.media.pictures import thumbnail_jpeg
from vidi.sources.sniff import sniff
from vidi.sources.streams import copy_evidence, noatime_refusals, open_noatime, read_evidence
from vidi.store.blobs import BlobStore
from vidi.store.db import make_engine
from vidi.store.models import Media
from vidi.workers import start_worker

IN_MEMORY_LIMIT = 64 * 1024 * 1024
"""Files up to this size are read into memory once, hashed and decoded from the same bytes."""


@dataclass(frozen=True)
class Task:
    key: str
    path: str
    archive_chain: tuple[str, ...]
    disk_path: str
    size: int
    spilled: bool = False
    data: bytes | None = field(default=None, repr=False)
    """Small archive members travel to the worker in memory instead of through a file."""


@dataclass(frozen=True)
class FileResult:
    """What one file turned out to be. ``media`` is set for new media only."""

    task: Task
    digest: Digest | None = None
    file_type: str = "other/other"  # kind/name, e.g. image/jpeg
    kind: str = "other"
    media: MediaRecord | None = None
    known: bool = False
    error: FileError | None = None
    atime_fallbacks: int = 0
    """Opens of this file in a pool worker that could not use O_NOATIME."""


class WorkerContext:
    """Per-process state: settings, a read-only engine for lookups, the blob store."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.blobs = BlobStore(settings.blob_dir)
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.settings.database_url)
        return self._engine

    def is_known(self, sha256: str) -> bool:
        with self.engine.connect() as connection:
            found = connection.execute(select(Media.sha256).where(Media.sha256 == sha256))
            return found.first() is not None


_context: WorkerContext | None = None


def init_worker(settings: Settings, owner_pid: int) -> None:
    global _context
    start_worker(owner_pid)
    _context = WorkerContext(settings)


def run_tasks(tasks: list[Task]) -> list[FileResult]:
    """Entry point in a worker process (after :func:`init_worker`): a chunk of files."""
    assert _context is not None, "init_worker was not called in this process"
    results = []
    for task in tasks:
        refusals = noatime_refusals()
        result = process_file(task, _context)
        results.append(replace(result, atime_fallbacks=noatime_refusals() - refusals))
    return results


def _read(task: Task) -> tuple[Digest, bytes | None]:
    if task.data is not None:
        return digest_bytes(task.data), task.data
    with open_noatime(task.disk_path) as handle:
        if task.size <= IN_MEMORY_LIMIT:
            data = handle.read()
            return digest_bytes(data), data
        return digest_stream(handle), None


def process_file(task: Task, context: WorkerContext) -> FileResult:
    try:
        digest, data = _read(task)
    except OSError as exc:
        return FileResult(task, error=FileError("digest", "unreadable", f"{exc.strerror or exc}"))
    file_type = sniff(digest.head)
    result = FileResult(task, digest, f"{file_type.kind}/{file_type.name}", file_type.kind)
    if file_type.kind not in ("image", "video"):
        return result
    if context.is_known(digest.sha256):
        return replace(result, known=True)
    try:
        if file_type.kind == "image":
            if data is None:
                data = read_evidence(task.disk_path)
            return replace(result, media=image_media(digest, data, context))
        return replace(result, media=video_media(digest, task, data, context))
    except DecodeError as exc:
        reason = exc.reason or "corrupt-media"
        return replace(result, error=FileError("decode", reason, exc.detail or reason))
    except OSError as error:  # a write into the home failed: thumbnails, scratch copies
        StorageFull.raise_if_full(error, error.filename or context.settings.home)
        raise


def image_media(digest: Digest, data: bytes, context: WorkerContext) -> MediaRecord:
    """The record of a new picture: its facts, PDQ, thumbnail and (when the feature stage
    is on) its local features, all from one decode."""
    limits = context.settings.image
    features_on = context.settings.features
    if features_on:  # OpenCV is loaded only when features are extracted
        from vidi.fingerprints.local_features import DECODE_SIDE

    facts, picture = picture_facts(data, limits, DECODE_SIDE if features_on else None)
    thumbnail = thumbnail_jpeg(picture, limits.thumbnail_side)
    key = context.blobs.put("thumbs", digest.sha256, thumbnail)
    features = _features(digest.sha256, picture, facts, context) if features_on else None
    return MediaRecord(digest=digest, thumbnail=key, picture=facts, features=features)


def _features(
    sha256: str, picture: Image.Image, facts: PictureFacts, context: WorkerContext
) -> FeatureRecord:
    """Local features in the original's pixels; the mirror image's go to a scratch blob
    that the feature stage links mirrored copies with (it then needs no decode)."""
    from vidi.fingerprints.local_features import EXTRACTOR, encode, extract_with_mirror, rescaled

    found, flipped = extract_with_mirror(np.asarray(picture.convert("L")))
    found = rescaled(found, facts.width, facts.height)
    flipped = rescaled(flipped, facts.width, facts.height)
    target = context.blobs.root / context.blobs.relative_path(MIRROR_FEATURES, sha256, ".vlf")
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(f".{target.name}.{os.getpid()}")
    scratch.write_bytes(encode(flipped))  # no fsync: a crash that loses it costs a decode
    os.replace(scratch, target)
    return FeatureRecord(EXTRACTOR, len(found), encode(found))


def video_media(
    digest: Digest, task: Task, data: bytes | None, context: WorkerContext
) -> MediaRecord:
    """The record of a new video, decoded from a private copy in the work folder.

    The decoders are child processes that open the path they are given; a spilled
    archive member may be read in place, but evidence on disk is copied first (without
    touching its access time), since their own open would update it.
    """
    settings = context.settings
    if task.spilled:
        return fingerprint_video(digest, Path(task.disk_path), settings, context.blobs)
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=settings.work_dir, prefix="video-") as scratch:
        copy = Path(scratch) / "video"
        try:
            if data is not None:
                copy.write_bytes(data)
            else:
                copy_evidence(task.disk_path, copy)
        except OSError as error:
            StorageFull.raise_if_full(error, copy)
            raise
        return fingerprint_video(digest, copy, settings, context.blobs)


def remove_spilled(task: Task) -> None:
    if task.spilled:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(task.disk_path)
