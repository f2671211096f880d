"""What a source yields: entries to digest, and entries refused with a reason.

An entry knows its place (path inside the source and the chain of archives it sits
in) and how to read its bytes. Enumeration never raises for bad input: a hostile or
unreadable entry becomes a :class:`Refused` with a short machine reason and a
human detail.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from vidi.sources.filetype import FileType
from vidi.sources.streams import open_noatime


def path_key(path: str, archive_chain: tuple[str, ...]) -> str:
    """A fixed-length key for a place in a source (paths can be longer than an index allows).

    Paths and chain members are texts from :func:`vidi.sources.names.encode_name`: one
    text per raw name, never holding a NUL. Joined with NULs they stay one-to-one, so
    two different places never share a key (short of a SHA-256 collision).
    """
    joined = "\x00".join((*archive_chain, path))
    return hashlib.sha256(joined.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True)
class Entry:
    """One file found in a source.

    ``path`` is relative to the source root (or to the innermost archive), '/'-separated,
    written by :func:`vidi.sources.names.encode_name` (controls and undecodable bytes as
    ``\\xNN`` escapes; ``decode_name`` gives the raw name back). ``archive_chain`` lists the
    containing archives, outermost first, each as its path inside its parent.
    Exactly one of ``disk_path`` (a plain file, read in place) or ``opener`` is set.
    ``file_type`` is what the content's first bytes say (None if not sniffed).
    """

    path: str
    archive_chain: tuple[str, ...]
    size: int
    disk_path: Path | None = None
    opener: Callable[[], BinaryIO] | None = field(default=None, compare=False, repr=False)
    file_type: FileType | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        return path_key(self.path, self.archive_chain)

    def open(self) -> BinaryIO:
        if self.disk_path is not None:
            return open_noatime(self.disk_path)
        assert self.opener is not None
        return self.opener()


@dataclass(frozen=True)
class Refused:
    """An entry that was not read, with the reason (e.g. ``path-traversal``, ``zip-bomb``)."""

    path: str
    archive_chain: tuple[str, ...]
    reason: str
    detail: str
    stage: str = "enumerate"

    @property
    def key(self) -> str:
        return path_key(self.path, self.archive_chain)
