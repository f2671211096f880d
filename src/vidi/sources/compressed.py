"""Open gzip, bzip2 and xz streams: a compressed TAR, or one compressed file.

A compressed stream cannot be read from the middle, so it is decompressed once into
the scratch folder, counting bytes as they come out (ratio and total limits hold
however the headers lie). What was decompressed before an error or a limit is kept
and listed; a refusal then says what was lost.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, cast

from vidi.sources.archives import ArchiveContext, Region, RegionOpener, read_tar
from vidi.sources.base import Entry, Refused
from vidi.sources.filetype import is_tar_header
from vidi.sources.names import decode_name, encode_name
from vidi.sources.streams import EntryReadError, LimitedReader, copy_to_file

_STREAMS = {"gzip": "gzip", "tar.gz": "gzip", "bzip2": "bzip2", "tar.bz2": "bzip2"}
_SUFFIXES = {
    "gzip": (".tgz", ".gz"),
    "bzip2": (".tbz2", ".tbz", ".bz2"),
    "xz": (".txz", ".xz"),
}


def open_stream(name: str, region: Region) -> BinaryIO:
    """A decompressing reader over a gzip, bzip2 or xz stream lying in ``region``."""
    raw = cast(BinaryIO, region.open())
    stream = _STREAMS.get(name, "xz")
    if stream == "gzip":
        return cast(BinaryIO, gzip.GzipFile(fileobj=raw, mode="rb"))
    if stream == "bzip2":
        return cast(BinaryIO, bz2.BZ2File(raw, mode="rb"))
    return cast(BinaryIO, lzma.LZMAFile(raw, mode="rb"))


def read_compressed(name: str, region: Region, ctx: ArchiveContext) -> Iterator[Entry | Refused]:
    """List a compressed stream: the members of the TAR inside, or the one file inside."""
    spill = ctx.scratch.new_path()
    failure = _decompress(name, region, ctx, spill)
    length = spill.stat().st_size if spill.exists() else 0
    inner = Region(spill, 0, length)
    with inner.open() as stream:
        head = stream.read(512)
    if name.startswith("tar.") or is_tar_header(head):
        yield from read_tar(inner, ctx)
        if failure is not None:
            yield ctx.refuse_self(failure.reason, f"{failure.detail}; later members lost")
        return
    member = _single_name(name, ctx.label)
    if failure is not None:
        yield ctx.refuse(encode_name(member), failure.reason, failure.detail)
        return
    admitted = ctx.admit(member, length)
    if isinstance(admitted, Refused):
        yield admitted
        return
    yield Entry(admitted, ctx.chain, length, opener=RegionOpener(inner))


def _decompress(
    name: str, region: Region, ctx: ArchiveContext, spill: Path
) -> EntryReadError | None:
    limits = ctx.limits
    ratio_limit = max(limits.ratio_floor_bytes, int(limits.max_ratio * region.length))
    total_left = max(0, ctx.budget.limit - ctx.budget.used)
    limit, reason = min((ratio_limit, "zip-bomb"), (total_left, "total-too-large"))
    try:
        with LimitedReader(open_stream(name, region), limit, reason, ctx.label) as stream:
            copy_to_file(cast(BinaryIO, stream), spill)
    except EntryReadError as error:
        return error
    return None


def _single_name(name: str, label: str) -> str:
    """The name of the one file in a compressed stream: the archive's name less its suffix.

    ``label`` is the archive's stored path; the name is cut from the raw name it stands
    for, so it is escaped once, like every other name.
    """
    base = decode_name(label).rsplit("/", 1)[-1]
    for suffix in _SUFFIXES.get(_STREAMS.get(name, "xz"), ()):
        if base.lower().endswith(suffix) and len(base) > len(suffix):
            stem = base[: -len(suffix)]
            return stem + ".tar" if suffix.startswith(".t") else stem
    return base + ".decompressed"
