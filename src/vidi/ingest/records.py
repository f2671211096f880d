"""What a worker hands the writer about one file: typed values, never rows keyed by name.

A worker runs in another process and knows nothing of tables; the writer
(:mod:`vidi.ingest.writer`) maps each value here to its table, column by column.
"""

from __future__ import annotations

from dataclasses import dataclass

from vidi.fingerprints.audio import AudioPrint
from vidi.media.digest import Digest
from vidi.media.examine import PictureFacts, VideoFacts


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


@dataclass(frozen=True)
class FileError:
    """Why a file's content was not stored: the stage it failed in and a reason word."""

    stage: str  # digest | decode
    reason: str
    detail: str
