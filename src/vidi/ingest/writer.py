"""The writer: stores worker results in batches, each batch one transaction.

Every insert ignores rows that already exist (media by SHA-256, occurrences and errors
by their place in the source), so a run killed at any moment and started again adds
exactly what is missing, never a duplicate. The workers' typed results
(:mod:`vidi.ingest.records`) are mapped to tables here, column by column.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vidi.ingest.records import MediaRecord
from vidi.ingest.worker import FileResult
from vidi.media.audio import CHROMAPRINT_FINGERPRINTER
from vidi.sources.base import Refused
from vidi.store.inserts import insert_ignoring_conflicts
from vidi.store.models import (
    AudioFingerprint,
    IngestError,
    LocalFeatureSet,
    Media,
    Occurrence,
    VideoFrame,
)


@dataclass
class BatchCounts:
    files: int = 0
    bytes: int = 0
    media_new: int = 0
    media_known: int = 0
    errors: int = 0


class BatchWriter:
    def __init__(self, source_id: int, case_id: int, run_id: int) -> None:
        self.source_id = source_id
        self.case_id = case_id
        self.run_id = run_id
        self.results: list[FileResult] = []
        self.refused: list[Refused] = []

    def __len__(self) -> int:
        return len(self.results) + len(self.refused)

    def add(self, item: FileResult | Refused) -> None:
        (self.refused if isinstance(item, Refused) else self.results).append(item)  # type: ignore[arg-type]

    def flush(self, session: Session) -> BatchCounts:
        counts = BatchCounts()
        new_media = self._new_media(session, [r.media for r in self.results if r.media])
        insert_ignoring_conflicts(session, Media, [self._media_row(m) for m in new_media])
        insert_ignoring_conflicts(session, VideoFrame, [f for m in new_media for f in _frames(m)])
        insert_ignoring_conflicts(
            session, AudioFingerprint, [a for m in new_media for a in _audio(m)]
        )
        insert_ignoring_conflicts(
            session, LocalFeatureSet, [_features(m) for m in new_media if m.features]
        )
        counts.media_new = len(new_media)
        stored = {m.digest.sha256 for m in new_media} | self._known(session)
        occurrences, errors = [], [self._refused_row(r) for r in self.refused]
        for result in self.results:
            counts.files += 1
            counts.bytes += result.task.size
            if result.known:
                counts.media_known += 1
            if result.digest is not None:
                occurrences.append(self._occurrence_row(result, stored))
            if result.error is not None:
                errors.append(self._error_row(result))
        insert_ignoring_conflicts(session, Occurrence, occurrences)
        insert_ignoring_conflicts(session, IngestError, errors)
        counts.errors = len(errors)
        self.results, self.refused = [], []
        return counts

    def _new_media(self, session: Session, media: list[MediaRecord]) -> list[MediaRecord]:
        """The records whose content is not stored yet, one per SHA-256."""
        unique = {m.digest.sha256: m for m in media}
        if not unique:
            return []
        existing = set(session.scalars(select(Media.sha256).where(Media.sha256.in_(unique))))
        return [m for sha256, m in unique.items() if sha256 not in existing]

    def _media_row(self, record: MediaRecord) -> dict[str, Any]:
        """The media row: hashes, then the picture's or the video's facts."""
        digest = record.digest
        row: dict[str, Any] = {
            "sha256": digest.sha256,
            "md5": digest.md5,
            "sha1": digest.sha1,
            "size": digest.size,
            "thumbnail": record.thumbnail,
            "first_case_id": self.case_id,
            "duration_s": None,
            "frame_rate": None,
            "video_codec": None,
            "audio_codec": None,
            "has_audio": None,
        }
        if record.picture is not None:
            picture = record.picture
            row.update(
                media_type="image",
                format=picture.format,
                width=picture.width,
                height=picture.height,
                pdq=picture.pdq,
                pdq_quality=picture.pdq_quality,
                fingerprinter=picture.fingerprinter,
            )
        elif record.video is not None:
            info, best = record.video.info, record.video.best_frame
            row.update(
                media_type="video",
                format=info.container,
                width=info.width,
                height=info.height,
                pdq=best.pdq_hex,
                pdq_quality=best.quality,
                fingerprinter=record.video.fingerprinter,
                duration_s=info.duration_s,
                frame_rate=info.frame_rate,
                video_codec=info.video_codec,
                audio_codec=info.audio_codec,
                has_audio=info.has_audio,
            )
        return row

    def _known(self, session: Session) -> set[str]:
        wanted = {
            r.digest.sha256 for r in self.results if r.digest and r.kind in ("image", "video")
        }
        if not wanted:
            return set()
        return set(session.scalars(select(Media.sha256).where(Media.sha256.in_(wanted))))

    def _place(self, path: str, chain: tuple[str, ...], key: str) -> dict[str, Any]:
        """The columns that say where a file sits, shared by occurrences and errors."""
        return {
            "source_id": self.source_id,
            "run_id": self.run_id,
            "path": path,
            "archive_chain": list(chain),
            "path_key": key,
        }

    def _occurrence_row(self, result: FileResult, stored: set[str]) -> dict[str, Any]:
        digest = result.digest
        assert digest is not None
        task = result.task
        return {
            **self._place(task.path, task.archive_chain, task.key),
            "size": digest.size,
            "md5": digest.md5,
            "sha1": digest.sha1,
            "sha256": digest.sha256,
            "file_type": result.file_type,
            "media_sha256": digest.sha256 if digest.sha256 in stored else None,
        }

    def _error_row(self, result: FileResult) -> dict[str, Any]:
        error = result.error
        assert error is not None
        task = result.task
        place = self._place(task.path, task.archive_chain, task.key)
        return {**place, "stage": error.stage, "reason": error.reason[:64], "detail": error.detail}

    def _refused_row(self, refused: Refused) -> dict[str, Any]:
        place = self._place(refused.path, refused.archive_chain, refused.key)
        return {
            **place,
            "stage": refused.stage,
            "reason": refused.reason[:64],
            "detail": refused.detail,
        }


def _features(record: MediaRecord) -> dict[str, Any]:
    """The local_features row of a new picture (the feature stage indexes and links it)."""
    assert record.features is not None
    return {
        "media_sha256": record.digest.sha256,
        "extractor": record.features.extractor,
        "points": record.features.points,
        "data": record.features.data,
    }


def _frames(record: MediaRecord) -> list[dict[str, Any]]:
    """The video_frame rows of a video's vPDQ (none for a picture)."""
    if record.video is None:
        return []
    sha256 = record.digest.sha256
    return [
        {
            "media_sha256": sha256,
            "frame_number": f.frame_number,
            "timestamp_s": f.timestamp_s,
            "pdq": f.pdq_hex,
            "quality": f.quality,
        }
        for f in record.video.frames
    ]


def _audio(record: MediaRecord) -> list[dict[str, Any]]:
    """The audio_fingerprint row of a video with an audio print."""
    if record.audio is None:
        return []
    return [
        {
            "media_sha256": record.digest.sha256,
            "duration_s": record.audio.duration_s,
            "fingerprint": list(record.audio.fingerprint),
            "fingerprinter": CHROMAPRINT_FINGERPRINTER,
        }
    ]


def done_keys(session: Session, source_id: int, keys: Iterable[str]) -> set[str]:
    """Which of these places in a source were already stored (by an earlier or killed run)."""
    wanted = list(keys)
    if not wanted:
        return set()
    found = set(
        session.scalars(
            select(Occurrence.path_key).where(
                Occurrence.source_id == source_id, Occurrence.path_key.in_(wanted)
            )
        )
    )
    found |= set(
        session.scalars(
            select(IngestError.path_key).where(
                IngestError.source_id == source_id,
                IngestError.path_key.in_(wanted),
                IngestError.stage == "enumerate",
            )
        )
    )
    return found
