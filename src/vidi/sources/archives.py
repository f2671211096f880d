"""List the members of ZIP and TAR archives safely, as entries or refusals.

Every member passes :meth:`ArchiveContext.admit` (name, count, size, ratio and total
limits) before it becomes an :class:`Entry`. ZIP members are streamed from the
archive on demand; TAR members are read in place from their offset, without copying.
Nothing here writes next to a source: the only writable place is the scratch folder.
"""

from __future__ import annotations

import hashlib
import shutil
import stat
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, cast

from vidi.config import ArchiveLimits
from vidi.sources.base import Entry, Refused
from vidi.sources.names import encode_name, member_path
from vidi.sources.streams import EntryReadError, FileSlice, LimitedReader

_ZIP_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, KeyError)
_TAR_ERRORS = (tarfile.TarError, OSError, ValueError, UnicodeError, EOFError, OverflowError)


@dataclass(frozen=True)
class Region:
    """``length`` bytes at ``offset`` of a file on disk: a source file, a spill or a tar member."""

    path: Path
    offset: int
    length: int

    def open(self) -> FileSlice:
        return FileSlice(self.path, self.offset, self.length)


@dataclass(frozen=True)
class RegionOpener:
    """Opener of an entry that lies, uncompressed, in one piece of a file on disk."""

    region: Region

    def __call__(self) -> BinaryIO:
        try:
            return cast(BinaryIO, self.region.open())
        except FileNotFoundError as error:
            detail = f"{error.filename} is gone: read entries before their enumeration ends"
            raise EntryReadError("spill-gone", detail) from error


class Scratch:
    """The private folder under the work dir where one enumeration may spill bytes."""

    def __init__(self, work_dir: Path) -> None:
        work_dir.mkdir(parents=True, exist_ok=True)
        self.dir = Path(tempfile.mkdtemp(prefix="enumerate-", dir=work_dir))
        self._count = 0

    def new_path(self) -> Path:
        self._count += 1
        return self.dir / f"spill-{self._count}"

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


@dataclass
class Budget:
    """Expanded bytes left to one outermost archive, shared with the archives inside it."""

    limit: int
    used: int = 0


@dataclass
class ArchiveContext:
    """What a reader needs about the archive it lists and the limits it is under."""

    limits: ArchiveLimits
    scratch: Scratch
    budget: Budget
    chain: tuple[str, ...]
    """``archive_chain`` of the members."""
    self_path: str
    """The archive's own path in its parent ("" when it is the source itself)."""
    parent_chain: tuple[str, ...]
    label: str
    """The archive's file name, for messages."""
    count: int = 0
    stopped: bool = False
    seen: set[bytes] = field(default_factory=set)

    def refuse(self, path: str, reason: str, detail: str) -> Refused:
        return Refused(path, self.chain, reason, detail)

    def refuse_self(self, reason: str, detail: str) -> Refused:
        return Refused(self.self_path, self.parent_chain, reason, f"{self.label}: {detail}")

    def admit(self, raw: str, size: int, compressed: int | None = None) -> str | Refused:
        """The member's path if it may be read, else why not (and maybe stop the archive)."""
        self.count += 1
        limits = self.limits
        if self.count > limits.max_entries:
            self.stopped = True
            return self.refuse_self(
                "too-many-entries", f"more than {limits.max_entries} entries; the rest not read"
            )
        path = member_path(raw)
        if path is None:
            return self.refuse(encode_name(raw), "path-traversal", "name leaves the archive")
        if not path:
            # Never a placeholder such as "(empty)": a member may bear that very name.
            return self.refuse(encode_name(raw), "bad-name", "no file name")
        digest = hashlib.blake2b(path.encode(), digest_size=12).digest()
        if digest in self.seen:
            return self.refuse(path, "duplicate-name", "a second member with this name")
        self.seen.add(digest)
        return self._check_size(path, size, compressed)

    def _check_size(self, path: str, size: int, compressed: int | None) -> str | Refused:
        limits = self.limits
        if size > limits.max_entry_bytes:
            return self.refuse(path, "entry-too-large", f"{size} bytes > {limits.max_entry_bytes}")
        if compressed is not None and size > limits.ratio_floor_bytes:
            ratio = size / max(compressed, 1)
            if ratio > limits.max_ratio:
                return self.refuse(
                    path, "zip-bomb", f"expands {ratio:.0f}x (limit {limits.max_ratio:g}x)"
                )
        if self.budget.used + size > self.budget.limit:
            return self.refuse(
                path, "total-too-large", f"archive expands past {self.budget.limit} bytes"
            )
        self.budget.used += size
        return path


class ZipHandle:
    """An open ZipFile, closed when its listing ends and reopened if read again later.

    Closing does not break member streams still open: each keeps the shared file
    object alive, and it closes itself once the last of them is gone.
    """

    def __init__(self, region: Region) -> None:
        self._region = region
        self._zip: zipfile.ZipFile | None = None

    def get(self) -> zipfile.ZipFile:
        if self._zip is None:
            self._zip = zipfile.ZipFile(cast(BinaryIO, self._region.open()))
        return self._zip

    def release(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None


@dataclass(frozen=True)
class ZipOpener:
    handle: ZipHandle
    info: zipfile.ZipInfo
    path: str

    def __call__(self) -> BinaryIO:
        try:
            inner = cast(BinaryIO, self.handle.get().open(self.info))
        except _ZIP_ERRORS as error:
            raise EntryReadError("corrupt-archive", f"{self.path}: {error}") from error
        except NotImplementedError as error:
            raise EntryReadError("unsupported-compression", f"{self.path}: {error}") from error
        limited = LimitedReader(inner, self.info.file_size, "zip-bomb", self.path)
        return cast(BinaryIO, limited)


def zip_name(info: zipfile.ZipInfo) -> str:
    """The member name as stored, read as UTF-8; bytes that are not UTF-8 as surrogates.

    Without the UTF-8 flag the name's bytes are in an unknown code page (the ZIP
    standard says 437, Windows tools write the local one). Reading them as code page
    437 would make ``caf\\x82`` and the UTF-8 ``café`` one name, so they are kept as
    bytes (shown ``\\xNN``) instead: every member keeps a name of its own.
    """
    name = info.orig_filename
    if info.flag_bits & 0x800:
        return name
    return name.encode("cp437").decode("utf-8", "surrogateescape")


def read_zip(region: Region, ctx: ArchiveContext) -> Iterator[Entry | Refused]:
    """The members of a ZIP archive, streamed from it on demand."""
    handle = ZipHandle(region)
    try:
        infos = handle.get().infolist()
    except _ZIP_ERRORS as error:
        yield ctx.refuse_self("corrupt-archive", f"not a readable ZIP ({error})")
        return
    try:
        for info in infos:
            # Not info.is_dir(): zipfile cuts a name at its first NUL, so "d/\0x.jpg"
            # would pass for a folder and its bytes would go unread.
            if info.orig_filename.endswith("/"):
                continue
            yield _zip_member(info, handle, ctx)
            if ctx.stopped:
                return
    finally:
        handle.release()


def _zip_member(info: zipfile.ZipInfo, handle: ZipHandle, ctx: ArchiveContext) -> Entry | Refused:
    raw = zip_name(info)
    mode = info.external_attr >> 16
    if info.create_system == 3 and stat.S_ISLNK(mode):
        return ctx.refuse(encode_name(raw), "symlink", "symbolic link inside the archive")
    if info.flag_bits & 0x1:
        return ctx.refuse(encode_name(raw), "encrypted", "password-protected member")
    if info.compress_type not in _ZIP_METHODS:
        detail = f"compression method {info.compress_type} is not supported"
        return ctx.refuse(encode_name(raw), "unsupported-compression", detail)
    admitted = ctx.admit(raw, info.file_size, info.compress_size)
    if isinstance(admitted, Refused):
        return admitted
    opener = ZipOpener(handle, info, admitted)
    return Entry(admitted, ctx.chain, info.file_size, opener=opener)


def read_tar(region: Region, ctx: ArchiveContext) -> Iterator[Entry | Refused]:
    """The members of an uncompressed TAR lying in ``region``, each read in place."""
    try:
        tar = tarfile.open(  # noqa: SIM115 - closed by the with below
            fileobj=cast(BinaryIO, region.open()),
            mode="r:",
            encoding="utf-8",
            errors="surrogateescape",
        )
    except _TAR_ERRORS as error:
        yield ctx.refuse_self("corrupt-archive", f"not a readable TAR ({error})")
        return
    with tar:
        yield from _tar_members(tar, region, ctx)


def _tar_members(
    tar: tarfile.TarFile, region: Region, ctx: ArchiveContext
) -> Iterator[Entry | Refused]:
    while not ctx.stopped:
        try:
            member = tar.next()
        except _TAR_ERRORS as error:
            yield ctx.refuse_self("corrupt-archive", f"bad header ({error}); the rest not read")
            return
        tar.members.clear()  # type: ignore[attr-defined]  # tarfile keeps every header otherwise; memory stays flat
        if member is None:
            if not _clean_tar_end(region, tar.offset):
                detail = f"unreadable header at byte {tar.offset}; the rest not read"
                yield ctx.refuse_self("corrupt-archive", detail)
            return
        if member.isdir():
            continue
        yield _tar_member(member, region, ctx)
        if member.offset_data + member.size > region.length:
            return


def _tar_member(member: tarfile.TarInfo, region: Region, ctx: ArchiveContext) -> Entry | Refused:
    raw = member.name
    shown = encode_name(raw)
    if member.issym():
        return ctx.refuse(shown, "symlink", f"symbolic link to {encode_name(member.linkname)!r}")
    if member.islnk():
        return ctx.refuse(shown, "hardlink", f"hard link to {encode_name(member.linkname)!r}")
    if not member.isreg():
        return ctx.refuse(shown, "special-file", "device, FIFO or other special member")
    if member.sparse is not None:
        return ctx.refuse(shown, "unsupported-member", "sparse files are not read")
    present = region.length - member.offset_data
    if member.size > present:
        detail = f"truncated: {max(present, 0)} of {member.size} bytes present"
        return ctx.refuse(shown, "corrupt-archive", detail)
    admitted = ctx.admit(raw, member.size)
    if isinstance(admitted, Refused):
        return admitted
    where = Region(region.path, region.offset + member.offset_data, member.size)
    return Entry(admitted, ctx.chain, member.size, opener=RegionOpener(where))


def _clean_tar_end(region: Region, offset: int) -> bool:
    """Whether the listing stopped at a proper end: zero blocks or the end of the data."""
    with region.open() as stream:
        stream.seek(offset)
        rest = stream.read(1024)
    return not rest.strip(b"\x00")
