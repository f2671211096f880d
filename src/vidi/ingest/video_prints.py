"""Video prints for ingest: the vPDQ, contact sheet and audio print of a new video.

Each step runs the decoder in a child process with a time limit (see
:mod:`vidi.media`), so a file that hangs FFmpeg is stopped and recorded instead of
stalling the batch. The result is one :class:`~vidi.ingest.records.MediaRecord`
holding the frame hashes and the Chromaprint; the writer stores them beside the media
row.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from vidi.config import Settings
from vidi.errors import DecodeError
from vidi.ingest.records import MediaRecord
from vidi.media.audio import chromaprint
from vidi.media.digest import Digest
from vidi.media.examine import video_facts
from vidi.media.video import contact_sheet
from vidi.store.blobs import BlobStore


def fingerprint_video(
    digest: Digest, path: Path, settings: Settings, blobs: BlobStore
) -> MediaRecord:
    """A new video's record: probe and vPDQ (DecodeError if it cannot play), contact
    sheet and audio print (left out when they cannot be made)."""
    facts = video_facts(path, settings.video)
    audio = None
    if facts.info.has_audio:
        try:
            printed = chromaprint(path, timeout_s=settings.video.decode_timeout_s)
        except DecodeError:
            printed = None
        if printed is not None and printed.fingerprint:
            audio = printed
    sheet = _contact_sheet(path, digest.sha256, settings, blobs)
    return MediaRecord(digest=digest, thumbnail=sheet, video=facts, audio=audio)


def _contact_sheet(path: Path, sha256: str, settings: Settings, blobs: BlobStore) -> str | None:
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=settings.work_dir) as scratch:
        out = Path(scratch) / "sheet.jpg"
        try:
            count = contact_sheet(
                path,
                out,
                max_frames=settings.video.contact_sheet_frames,
                timeout_s=settings.video.decode_timeout_s,
            )
        except DecodeError:
            return None
        if not count or not out.exists():
            return None
        return blobs.put("sheets", sha256, out.read_bytes())
