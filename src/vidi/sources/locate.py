"""Find the bytes of stored media again, for work done after ingest (clue extraction).

A media row has no file of its own: its content lives at one or more places in the
sources, which are never modified. A place in a folder (or a single-file source) is
read in place; a member of an archive is found by enumerating that source once and
spilling the wanted members into a scratch folder under the home.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from vidi.config import ArchiveLimits
from vidi.sources.base import Entry, path_key
from vidi.sources.enumerate import enumerate_source
from vidi.sources.names import decode_name


@dataclass(frozen=True)
class Place:
    """Where one copy of a media item sits: its source and its place in it."""

    sha256: str
    source_uri: str
    source_kind: str  # folder | file | archive
    path: str
    archive_chain: tuple[str, ...]

    def direct_path(self) -> Path | None:
        """The file on disk, when the copy is not inside an archive."""
        if self.archive_chain or self.source_kind == "archive":
            return None
        if self.source_kind == "file":
            return Path(self.source_uri)
        return Path(self.source_uri) / decode_name(self.path)


def materialize(
    places: Iterable[Place], limits: ArchiveLimits, scratch: Path
) -> Iterator[tuple[str, Path]]:
    """Yield (sha256, readable path) for each media whose bytes can be found again.

    Direct places come first; archive members are spilled into ``scratch`` (the caller
    removes it), one enumeration per source.
    """
    by_source: dict[str, dict[str, str]] = {}
    done: set[str] = set()
    for place in places:
        if place.sha256 in done:
            continue
        direct = place.direct_path()
        if direct is not None and direct.is_file():
            done.add(place.sha256)
            yield place.sha256, direct
            continue
        wanted = by_source.setdefault(place.source_uri, {})
        wanted[path_key(place.path, place.archive_chain)] = place.sha256
    for uri, wanted in by_source.items():
        yield from _spill_members(Path(uri), wanted, done, limits, scratch)


def _spill_members(
    source: Path, wanted: dict[str, str], done: set[str], limits: ArchiveLimits, scratch: Path
) -> Iterator[tuple[str, Path]]:
    scratch.mkdir(parents=True, exist_ok=True)
    for item in enumerate_source(source, limits, scratch / "enumerate"):
        sha256 = wanted.get(item.key)
        if sha256 is None or sha256 in done or not isinstance(item, Entry):
            continue
        target = scratch / f"{sha256}"
        with item.open() as stream, open(target, "wb") as out:
            shutil.copyfileobj(stream, out, 1024 * 1024)
        done.add(sha256)
        yield sha256, target
