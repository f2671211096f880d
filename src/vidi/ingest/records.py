"""What a worker hands the writer about one file: typed values, never rows keyed by name.

A worker runs in another process and knows nothing of tables; the writer
(:mod:`vidi.ingest.writer`) maps each value here to its table, column by column.
"""

from __future__ import annotations

from dataclasses import dataclass

from vidi.fingerprints.audio import AudioPrint
from vidi.media.digest import Digest
from vidi.media.examine import PictureFacts, VideoFacts

MIRROR_FEATURES = "features-mirror"
"""Blob kind of a new picture's mirror-image features: scratch the feature stage reads
once (to link mirrored copies) and deletes; a crash that loses one costs a decode."""


@dataclass(frozen=True)
class FeatureRecord:
    """A new picture's local features, encoded (:func:`vidi.fingerprints.local_features.encode`)."""

    extractor: str
    points: int
    data: bytes


@dataclass(frozen=True)
class MediaRecord:
    """A new media item: one media row, with a video's frame hashes and audio print beside it.

    Exactly one of ``picture`` and ``video`` is set.
    """

    digest: Digest
    thumbnail: str | None
    """Blob key of the picture's thumbnail or the video's contact sheet."""
    picture: PictureFacts | None = None
    video: VideoFacts | None = None
    audio: AudioPrint | None = None
    """A video's sound track print, when it has an informative one."""
    features: FeatureRecord | None = None
    """A picture's local features, when the feature stage is on (stored beside the row)."""


@dataclass(frozen=True)
class FileError:
    """Why a file's content was not stored: the stage it failed in and a reason word."""

    stage: str  # digest | decode
    reason: str
    detail: str
