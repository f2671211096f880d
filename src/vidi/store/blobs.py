"""Content-addressed files under the home: thumbnails, contact sheets, EXIF thumbnails.

A blob's path comes from its owner's SHA-256, so writing it twice is harmless. A blob
is written to a temporary file, synced, renamed into place and its folder synced, all
before :meth:`BlobStore.put` returns: the row that names it is committed later, so a
crash or power cut can never leave a row pointing at a missing or empty file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from vidi.errors import StorageFull


def fsync_folder(folder: Path) -> None:
    """Make a rename or a new file in ``folder`` durable."""
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def relative_path(self, kind: str, sha256: str, suffix: str = ".jpg") -> str:
        return f"{kind}/{sha256[:2]}/{sha256[2:4]}/{sha256}{suffix}"

    def put(self, kind: str, sha256: str, data: bytes, suffix: str = ".jpg") -> str:
        """Write durably and atomically; returns the path relative to the root.

        Raises :class:`StorageFull` when the disk is full, leaving no temporary file.
        """
        relative = self.relative_path(kind, sha256, suffix)
        target = self.root / relative
        if target.exists():
            return relative
        tmp: str | None = None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
            tmp = None
            fsync_folder(target.parent)
        except OSError as error:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            StorageFull.raise_if_full(error, self.root)
            raise
        return relative

    def path(self, relative: str) -> Path:
        return self.root / relative
