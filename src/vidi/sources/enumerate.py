"""List every file of a source (folder, single file or archive), archives opened inside.

This is the entry point of the ``enumerate`` stage. It yields each file as an
:class:`Entry` (readable with ``entry.open()``) or, when it cannot be read safely, a
:class:`Refused` with a reason word; bad input never stops the listing. Archives found
anywhere (by content, not by name) are yielded themselves and then opened, to
``limits.max_depth`` archives deep.

Places: entries of a folder source have ``archive_chain=()`` and their path in the
folder. Members of a top-level archive source also have ``archive_chain=()`` (the
archive is the source); members of an archive found at ``a/b.zip`` have
``archive_chain=(..., "a/b.zip")``. A refusal of a whole archive is recorded at the
archive's own place; for a top-level archive source that is ``path=""``.

Bytes spilled to the work dir live in a private folder that is removed when the
listing ends or the generator is closed; entries must be read before then.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Literal

from vidi.config import ArchiveLimits
from vidi.errors import SourceError, StorageFull
from vidi.sources.archives import (
    ArchiveContext,
    Budget,
    Region,
    RegionOpener,
    Scratch,
)
from vidi.sources.base import Entry, Refused
from vidi.sources.containers import Reader, container_reader
from vidi.sources.folder import file_entry, walk_folder
from vidi.sources.names import encode_name
from vidi.sources.sniff import SNIFF_BYTES, FileType, sniff
from vidi.sources.streams import EntryReadError, copy_to_file, open_noatime, read_head


def enumerate_source(
    path: Path, limits: ArchiveLimits, work_dir: Path
) -> Generator[Entry | Refused, None, None]:
    """Every file in the source at ``path``; spills go to a private folder in ``work_dir``.

    Raises SourceError at once if the source itself does not exist or cannot be read.
    """
    path = Path(path)
    try:
        is_dir = path.is_dir()
        path.stat()
    except OSError as error:
        raise SourceError(f"cannot open source {path}: {error}; check the path") from error
    if not is_dir and not path.exists():
        raise SourceError(f"no source at {path}; check the path")
    return _Walker(limits, work_dir).source(path, is_dir)


def enumerate_listed(
    items: Iterable[Entry | Refused], limits: ArchiveLimits, work_dir: Path
) -> Generator[Entry | Refused, None, None]:
    """Some files of a folder source, as a folder's listing gives them, archives opened.

    A distributed chunk holds a part of a folder's listing; expanded here, it yields
    exactly what :func:`enumerate_source` yields for those files.
    """
    return _Walker(limits, work_dir).listed(items)


def source_kind(path: Path) -> Literal["folder", "file", "archive"]:
    """What the source at ``path`` is, judged by content: a folder, one file or an archive."""
    if path.is_dir():
        return "folder"
    try:
        head = read_head(lambda: open_noatime(path), SNIFF_BYTES)
    except OSError:
        return "file"
    return "archive" if sniff(head).is_container else "file"


class _Walker:
    """One enumeration: limits, the scratch folder, and the recursion into archives."""

    def __init__(self, limits: ArchiveLimits, work_dir: Path) -> None:
        self.limits = limits
        self.work_dir = work_dir

    def source(self, path: Path, is_dir: bool) -> Generator[Entry | Refused, None, None]:
        self.scratch = Scratch(self.work_dir)
        try:
            yield from self._folder(path) if is_dir else self._file(path)
        finally:
            self.scratch.remove()

    def listed(self, items: Iterable[Entry | Refused]) -> Generator[Entry | Refused, None, None]:
        self.scratch = Scratch(self.work_dir)
        try:
            yield from self._folder_items(items)
        finally:
            self.scratch.remove()

    def _folder(self, root: Path) -> Iterator[Entry | Refused]:
        return self._folder_items(walk_folder(root))

    def _folder_items(self, items: Iterable[Entry | Refused]) -> Iterator[Entry | Refused]:
        for item in items:
            yield item
            if isinstance(item, Entry) and _is_container(item):
                yield from self._expand(item, (), 1, Budget(self.limits.max_total_bytes))

    def _file(self, path: Path) -> Iterator[Entry | Refused]:
        entry = file_entry(path, encode_name(path.name))
        if isinstance(entry, Refused) or not _is_container(entry):
            yield entry
            return
        if self.limits.max_depth < 1:
            yield Refused("", (), "too-deep", f"{entry.path}: max_depth is 0")
            return
        ctx = self._context((), "", (), entry.path, Budget(self.limits.max_total_bytes))
        region = Region(path, 0, entry.size)
        assert entry.file_type is not None
        yield from self._members(entry.file_type, region, ctx, 1)

    def _context(
        self,
        chain: tuple[str, ...],
        self_path: str,
        parent_chain: tuple[str, ...],
        label: str,
        budget: Budget,
    ) -> ArchiveContext:
        limits, scratch = self.limits, self.scratch
        return ArchiveContext(limits, scratch, budget, chain, self_path, parent_chain, label)

    def _expand(
        self, archive: Entry, parent_chain: tuple[str, ...], depth: int, budget: Budget
    ) -> Iterator[Entry | Refused]:
        """Open an archive entry whose members sit ``depth`` archives deep."""
        if depth > self.limits.max_depth:
            detail = f"archive {depth} levels deep; limit is {self.limits.max_depth}"
            yield Refused(archive.path, parent_chain, "too-deep", detail)
            return
        region = self._region(archive)
        if isinstance(region, Refused):
            yield region
            return
        chain = (*parent_chain, archive.path)
        ctx = self._context(chain, archive.path, parent_chain, archive.path, budget)
        assert archive.file_type is not None
        yield from self._members(archive.file_type, region, ctx, depth)

    def _members(
        self, file_type: FileType, region: Region, ctx: ArchiveContext, depth: int
    ) -> Iterator[Entry | Refused]:
        for item in _reader(file_type)(region, ctx):
            if isinstance(item, Entry):
                item = _sniffed(item)
            yield item
            if isinstance(item, Entry) and _is_container(item):
                yield from self._expand(item, ctx.chain, depth + 1, ctx.budget)

    def _region(self, entry: Entry) -> Region | Refused:
        """Where the entry's bytes lie on disk: in place, or spilled to the scratch folder."""
        if entry.disk_path is not None:
            return Region(entry.disk_path, 0, entry.size)
        if isinstance(entry.opener, RegionOpener):
            return entry.opener.region
        spill = self.scratch.new_path()
        try:
            with entry.open() as stream:
                copied = copy_to_file(stream, spill)
        except EntryReadError as error:
            spill.unlink(missing_ok=True)
            return Refused(entry.path, entry.archive_chain, error.reason, error.detail)
        except OSError as error:
            spill.unlink(missing_ok=True)
            # A full disk is not a fault of the entry: recorded as refused, a re-run would
            # skip it for good. Stop the run instead; the re-run reads it again.
            StorageFull.raise_if_full(error, spill)
            detail = f"cannot spill to the work dir: {error}"
            return Refused(entry.path, entry.archive_chain, "unreadable", detail)
        return Region(spill, 0, copied)


def _reader(file_type: FileType) -> Reader:
    return container_reader(file_type.name) or partial(_unsupported, file_type.name)


def _unsupported(name: str, region: Region, ctx: ArchiveContext) -> Iterator[Refused]:
    yield ctx.refuse_self("unsupported-archive", f"{name} is not opened; only the file is recorded")


def _is_container(entry: Entry) -> bool:
    return entry.file_type is not None and entry.file_type.is_container


def _sniffed(entry: Entry) -> Entry | Refused:
    """The entry with its type read from its first bytes, or why they cannot be read."""
    try:
        head = read_head(entry.open, SNIFF_BYTES)
    except EntryReadError as error:
        return Refused(entry.path, entry.archive_chain, error.reason, error.detail)
    except (OSError, ValueError, EOFError) as error:
        return Refused(entry.path, entry.archive_chain, "corrupt-archive", str(error))
    return replace(entry, file_type=sniff(head))
