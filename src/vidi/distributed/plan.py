"""Cutting a job into chunks: some files of a folder, one archive, one source, or some media.

A folder's listing (in its fixed, sorted order) is cut every ``chunk_files`` files; an
archive found in it is a chunk of its own, since its members are many and only known
once it is opened. A source that is an archive or a single file is one chunk. Each
chunk holds places, not bytes: the worker reads the evidence itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vidi.sources.base import Entry, Refused
from vidi.sources.folder import file_entry, walk_folder
from vidi.sources.names import decode_name


@dataclass(frozen=True)
class PlannedChunk:
    source: str | None
    entries: list[Any] | None
    """Folder places ({"path"} or a refusal {"path", "reason", "detail"}), media, or None."""
    files: int
    bytes: int


def ingest_chunks(path: Path, chunk_files: int) -> Iterator[PlannedChunk]:
    """The chunks of one source, in a fixed order (so a plan is the same each time)."""
    if not path.is_dir():
        yield PlannedChunk(str(path), None, 1, path.stat().st_size)
        return
    places: list[dict[str, str]] = []
    nbytes = 0
    for item in walk_folder(path):
        if isinstance(item, Entry) and item.file_type is not None and item.file_type.is_container:
            yield PlannedChunk(str(path), [{"path": item.path}], 1, item.size)
            continue
        places.append(_place(item))
        nbytes += item.size if isinstance(item, Entry) else 0
        if len(places) >= chunk_files:
            yield PlannedChunk(str(path), places, len(places), nbytes)
            places, nbytes = [], 0
    if places:
        yield PlannedChunk(str(path), places, len(places), nbytes)


def media_chunks(sha256s: list[str], size: int) -> Iterator[PlannedChunk]:
    for start in range(0, len(sha256s), size):
        part = sha256s[start : start + size]
        yield PlannedChunk(None, part, len(part), 0)


def _place(item: Entry | Refused) -> dict[str, str]:
    if isinstance(item, Refused):
        return {"path": item.path, "reason": item.reason, "detail": item.detail}
    return {"path": item.path}


def listed_items(root: Path, places: list[dict[str, str]]) -> Iterator[Entry | Refused]:
    """A chunk's places as the folder's listing gives them: looked at again, on this machine."""
    for place in places:
        relative = place["path"]
        if "reason" in place:
            yield Refused(relative, (), place["reason"], place.get("detail", ""))
            continue
        yield file_entry(root.joinpath(*(decode_name(p) for p in relative.split("/"))), relative)
