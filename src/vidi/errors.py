"""The one small exception hierarchy of Vidi.

Expected bad input (a corrupt file, a hostile archive entry) is not an exception that
escapes a batch: it is caught where it happens and recorded as a reason. These classes
carry a message that says what was wrong and what to do.
"""

import errno
import os
from pathlib import Path


class VidiError(Exception):
    """Base of every error Vidi raises on purpose.

    ``reason`` is the short word recorded with the failure (``corrupt-image``,
    ``timeout``), or None where the raiser names none; ``detail`` is what happened, in
    words. Callers read these two attributes, never the message text. Given a reason and
    no message, the message is ``"reason: detail"``.
    """

    def __init__(
        self, message: str = "", *, reason: str | None = None, detail: str | None = None
    ) -> None:
        if not message and reason is not None:
            message = f"{reason}: {detail}" if detail else reason
        super().__init__(message)
        self.reason = reason
        self.detail = message if detail is None else detail


class ConfigError(VidiError):
    """Settings are missing or inconsistent."""


class InvalidInput(VidiError):
    """A value given by the user is not acceptable (a case name too long, a bad country)."""


class DatabaseUnavailable(VidiError):
    """The database cannot be reached or used (server down, no such database, unreadable)."""


class HomeUnusable(VidiError):
    """The Vidi home cannot hold Vidi's data (not a folder, read-only, cannot be created)."""


class SourceError(VidiError):
    """A source (folder, file, archive) or one of its entries cannot be read safely."""


class UnsupportedMedia(VidiError):
    """The content is not a media type Vidi can decode."""


class DecodeError(VidiError):
    """The content claims to be media but cannot be decoded (corrupt, truncated, too big)."""


class NotFound(VidiError):
    """A case, media item, hash list or other named thing does not exist."""


class HashListError(VidiError):
    """A hash list file is malformed; the message names the line or record."""


class StorageFull(VidiError):
    """The filesystem or database Vidi writes to is full (or over quota); nothing was lost."""

    @classmethod
    def raise_if_full(cls, error: OSError, path: Path | str) -> None:
        """Raise StorageFull when ``error`` (writing ``path``) is ENOSPC or EDQUOT."""
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise cls(
                f"{error.strerror} on the filesystem mounted at {mount_point(path)} "
                f"(writing {path}); free space there and run the command again: "
                "finished work is kept"
            ) from error


def mount_point(path: Path | str) -> str:
    """The mount point of the filesystem that holds ``path`` (or would hold it)."""
    current = Path(os.path.abspath(path))
    while not current.exists() and current != current.parent:
        current = current.parent
    while not os.path.ismount(current) and current != current.parent:
        current = current.parent
    return str(current)


class BrokerUnavailable(VidiError):
    """The task broker of distributed work (Redis) cannot be reached."""
