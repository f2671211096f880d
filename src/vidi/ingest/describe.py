"""``vidi hash``: what ingest would store for one file, without storing anything."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vidi.config import Settings
from vidi.errors import DecodeError, SourceError
from vidi.ingest.digest import digest_bytes
from vidi.ingest.worker import image_fields
from vidi.sources.sniff import sniff
from vidi.sources.streams import read_evidence


def describe_file(path: Path, settings: Settings) -> dict[str, Any]:
    """Hashes, type, size and (for pictures) PDQ, computed exactly as ingest computes them."""
    if not path.is_file():
        raise SourceError(f"{path} is not a file")
    data = read_evidence(path)
    digest = digest_bytes(data)
    file_type = sniff(digest.head)
    described: dict[str, Any] = {
        "path": str(path),
        "md5": digest.md5,
        "sha1": digest.sha1,
        "sha256": digest.sha256,
        "size": digest.size,
        "file_type": f"{file_type.kind}/{file_type.name}",
        "media_type": file_type.kind,
    }
    if file_type.kind == "image":
        try:
            fields, _picture = image_fields(digest, data, settings.image)
        except DecodeError as exc:
            described["error"] = str(exc)
            return described
        described.update(
            {
                k: fields[k]
                for k in ("format", "width", "height", "pdq", "pdq_quality", "fingerprinter")
            }
        )
    if file_type.kind == "video":
        from vidi.ingest.videos import describe_video

        described.update(describe_video(path, settings))
    return described
