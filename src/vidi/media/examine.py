"""What one file is: its hashes, its content type and what decoding it tells.

The ingest worker, ``vidi hash``, ``vidi lookup FILE`` and ``vidi clues FILE`` all say
what a file is through this module, so a picture's PDQ or a video's vPDQ is the same
whichever of them computed it. :func:`examine` runs every step on one file; the ingest
worker calls :func:`picture_facts` and :func:`video_facts` itself, because it asks the
database between digest and decode and decodes only content it has not seen.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from vidi.config import ImageLimits, Settings, VideoSettings
from vidi.errors import DecodeError, SourceError, UnsupportedMedia
from vidi.fingerprints.pdq import PDQ_FINGERPRINTER, pdq_hash
from vidi.fingerprints.vpdq import VPDQ_FINGERPRINTER, FrameHash
from vidi.media.children import TIMEOUT
from vidi.media.digest import Digest, digest_bytes, digest_stream
from vidi.media.pictures import decode_image, pdq_view
from vidi.media.video import VideoInfo, probe_video, vpdq_hash
from vidi.sources.sniff import FileType, sniff
from vidi.sources.streams import copy_evidence, open_noatime, read_evidence


@dataclass(frozen=True)
class Identity:
    """What a file is without decoding it: its hashes, size and content type."""

    path: Path
    digest: Digest
    file_type: FileType


@dataclass(frozen=True)
class PictureFacts:
    """A picture as ingest stores it: format, upright size and PDQ."""

    format: str
    width: int
    height: int
    pdq: str
    pdq_quality: int
    fingerprinter: str


@dataclass(frozen=True)
class VideoFacts:
    """A video as ingest stores it: what its streams say and its vPDQ frame hashes."""

    info: VideoInfo
    frames: tuple[FrameHash, ...]
    fingerprinter: str = VPDQ_FINGERPRINTER

    @property
    def best_frame(self) -> FrameHash:
        """The frame whose PDQ stands for the whole video in the media row."""
        return max(self.frames, key=lambda f: f.quality)


@dataclass(frozen=True)
class MediaFacts:
    """Everything :func:`examine` learnt about one file."""

    path: Path
    digest: Digest
    file_type: FileType
    picture: PictureFacts | None = None
    video: VideoFacts | None = None
    error: DecodeError | None = None
    """Why a picture could not be decoded (the hashes and type are still known)."""

    @property
    def media_type(self) -> str:
        return self.file_type.kind

    def as_dict(self) -> dict[str, Any]:
        """What ``vidi hash`` prints (and ``vidi lookup FILE`` shows as its query)."""
        digest = self.digest
        described: dict[str, Any] = {
            "path": str(self.path),
            "md5": digest.md5,
            "sha1": digest.sha1,
            "sha256": digest.sha256,
            "size": digest.size,
            "file_type": f"{self.file_type.kind}/{self.file_type.name}",
            "media_type": self.file_type.kind,
        }
        if self.error is not None:
            described["error"] = str(self.error)
        if self.picture is not None:
            picture = self.picture
            described.update(
                format=picture.format,
                width=picture.width,
                height=picture.height,
                pdq=picture.pdq,
                pdq_quality=picture.pdq_quality,
                fingerprinter=picture.fingerprinter,
            )
        if self.video is not None:
            info, frames = self.video.info, self.video.frames
            described.update(
                format=info.container,
                width=info.width,
                height=info.height,
                duration_s=info.duration_s,
                frame_rate=info.frame_rate,
                video_codec=info.video_codec,
                audio_codec=info.audio_codec,
                has_audio=info.has_audio,
                vpdq_frames=len(frames),
                vpdq=[{"t": f.timestamp_s, "pdq": f.pdq_hex, "quality": f.quality} for f in frames],
                fingerprinter=self.video.fingerprinter,
            )
        return described


def identify(path: Path) -> Identity:
    """A file's hashes and content type, read once as a stream (no decoding, no fingerprints).

    The file is opened without touching its access time.
    """
    if not path.is_file():
        raise SourceError(f"{path} is not a file")
    with open_noatime(path) as stream:
        digest = digest_stream(stream)
    return Identity(path, digest, sniff(digest.head))


def examine(path: Path, settings: Settings) -> MediaFacts:
    """Hashes, type and (for pictures and videos) decoded facts of one file, as ingest
    computes them. A picture that cannot be decoded is a fact (``error``); a video that
    cannot be decoded raises DecodeError, as ``vidi hash`` has always reported it.

    A video is decoded from a private copy (under ``settings.work_dir``): decoders run as
    child processes that open the path afresh, which would update the file's access time.
    """
    if not path.is_file():
        raise SourceError(f"{path} is not a file")
    data = read_evidence(path)
    digest = digest_bytes(data)
    file_type = sniff(digest.head)
    if file_type.kind == "image":
        try:
            picture, _image = picture_facts(data, settings.image)
        except DecodeError as exc:
            return MediaFacts(path, digest, file_type, error=exc)
        return MediaFacts(path, digest, file_type, picture=picture)
    if file_type.kind == "video":
        return MediaFacts(path, digest, file_type, video=_video_from_copy(path, settings))
    return MediaFacts(path, digest, file_type)


def _video_from_copy(path: Path, settings: Settings) -> VideoFacts:
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="examine-", dir=settings.work_dir) as scratch:
        copy = Path(scratch) / path.name  # the same name: decoders' messages name the file
        copy_evidence(path, copy)
        return video_facts(copy, settings.video)


def picture_facts(
    data: bytes, limits: ImageLimits, detail_side: int | None = None
) -> tuple[PictureFacts, Image.Image]:
    """A picture's facts and PDQ, and the decoded (reduced, upright) picture.

    With ``detail_side`` the picture is decoded with both sides at least that (where the
    format reduces cheaply) for the local features, and PDQ hashes it reduced as PDQ's
    own decode would have been: one decode serves both.
    """
    if detail_side is None or detail_side <= limits.pdq_decode_side:
        decoded = decode_image(data, limits)
        pdq = pdq_hash(decoded.image)
    else:
        decoded = decode_image(data, limits, detail_side)
        pdq = pdq_hash(pdq_view(data, decoded, limits))
    facts = PictureFacts(
        format=decoded.format,
        width=decoded.width,
        height=decoded.height,
        pdq=pdq.hex,
        pdq_quality=pdq.quality,
        fingerprinter=f"{PDQ_FINGERPRINTER}/draft{limits.pdq_decode_side}",
    )
    return facts, decoded.image


def video_facts(path: Path, video: VideoSettings) -> VideoFacts:
    """Probe and vPDQ of a video. A failure is a DecodeError with reason ``video-timeout``
    (a decoder ran past its time) or ``corrupt-video`` (anything else)."""
    try:
        info = probe_video(path, timeout_s=min(60.0, video.decode_timeout_s))
        frames = vpdq_hash(path, video.frames_per_second, video.decode_timeout_s)
    except (DecodeError, UnsupportedMedia) as exc:
        reason = "video-timeout" if exc.reason == TIMEOUT else "corrupt-video"
        raise DecodeError(reason=reason, detail=str(exc)) from exc
    return VideoFacts(info=info, frames=tuple(frames))
