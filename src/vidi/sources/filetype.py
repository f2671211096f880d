"""What a content type is, and the few byte checks that sniffing and archive reading share.

:mod:`vidi.sources.sniff` tells a file's type from its first bytes; the archive readers
need the same tar and compressed-stream checks. Both import them from here, so the
container registry (:mod:`vidi.sources.containers`) can sit between them.
"""

from __future__ import annotations

import bz2
import lzma
import zlib
from dataclasses import dataclass
from typing import Literal

SNIFF_BYTES = 512
"""Bytes of a file's head that :func:`sniff` looks at (one tar header block)."""

Kind = Literal["image", "video", "audio", "archive", "compressed", "other"]


@dataclass(frozen=True)
class FileType:
    """A content type: ``name`` says the format, ``kind`` what Vidi does with it."""

    name: str
    kind: Kind

    @property
    def is_container(self) -> bool:
        """Whether enumeration looks inside (archives and single-file compression)."""
        return self.kind in ("archive", "compressed")


EMPTY = FileType("empty", "other")
OTHER = FileType("other", "other")


def is_tar_header(block: bytes) -> bool:
    """A ustar/GNU magic at offset 257, or (old V7 tar) a header whose checksum adds up."""
    if len(block) < 512:
        return False
    if block[257:262] == b"ustar":
        return True
    stored = block[148:156].replace(b"\x00", b" ").strip()
    if not stored or any(c not in b"01234567" for c in stored):
        return False
    computed = sum(block[:148]) + 8 * 32 + sum(block[156:512])
    return block[0] != 0 and int(stored, 8) == computed


def is_bzip2_header(head: bytes) -> bool:
    """A bzip2 stream: ``BZh``, a block size digit, then a block or end-of-stream magic."""
    magic = head[4:10] in (b"1AY&SY", b"\x17rE8P\x90")
    return len(head) >= 10 and head.startswith(b"BZh") and head[3:4] in b"123456789" and magic


def decompress_head(name: str, data: bytes, want: int = SNIFF_BYTES) -> bytes:
    """Up to ``want`` bytes decompressed from the start of a compressed stream; b"" on error.

    bzip2 works in blocks of up to 900 kB, so its head alone rarely decompresses; callers
    that hold the whole file pass more of it.
    """
    try:
        if name == "gzip":
            return zlib.decompressobj(wbits=31).decompress(data, want)
        if name == "xz":
            return lzma.LZMADecompressor().decompress(data, want)
        if name == "bzip2":
            return bz2.BZ2Decompressor().decompress(data, want)
    except (zlib.error, lzma.LZMAError, OSError, EOFError, ValueError):
        return b""
    return b""
