"""Tell what a file is from its first bytes, never from its name.

Seized files are often renamed (a video saved as ``.dat``, an archive as ``.jpg``), so
every decision about how to open a file is made on its content. :func:`sniff` needs
only the first :data:`SNIFF_BYTES` bytes and never raises, whatever those bytes are.
"""

from __future__ import annotations

from collections.abc import Callable

from vidi.sources.containers import CONTAINER_FORMATS
from vidi.sources.filetype import (
    EMPTY,
    OTHER,
    SNIFF_BYTES,
    FileType,
    Kind,
    decompress_head,
    is_tar_header,
)

__all__ = ["EMPTY", "OTHER", "SNIFF_BYTES", "FileType", "Kind", "is_tar_header", "sniff"]

# Fixed signatures at offset 0, longest first where prefixes overlap. Archives and
# compressed streams come from the container registry (none overlaps these).
_PREFIXES: tuple[tuple[bytes, FileType], ...] = (
    (b"\x89PNG\r\n\x1a\n", FileType("png", "image")),
    (b"\xff\xd8\xff", FileType("jpeg", "image")),
    (b"GIF87a", FileType("gif", "image")),
    (b"GIF89a", FileType("gif", "image")),
    (b"II*\x00", FileType("tiff", "image")),
    (b"MM\x00*", FileType("tiff", "image")),
    (b"II+\x00", FileType("tiff", "image")),
    (b"MM\x00+", FileType("tiff", "image")),
    (b"8BPS", FileType("psd", "image")),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", FileType("jp2", "image")),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", FileType("jxl", "image")),
    (b"\xff\x0a", FileType("jxl", "image")),
    (b"0&\xb2u\x8ef\xcf\x11\xa6\xd9\x00\xaa\x00b\xcel", FileType("wmv", "video")),
    (b"FLV\x01", FileType("flv", "video")),
    (b"\x00\x00\x01\xba", FileType("mpeg", "video")),
    (b"fLaC", FileType("flac", "audio")),
    (b"ID3", FileType("mp3", "audio")),
    (b"#!AMR", FileType("amr", "audio")),
    *(
        (signature, FileType(container.name, container.kind))
        for container in CONTAINER_FORMATS
        for signature in container.signatures
    ),
    (b"%PDF-", FileType("pdf", "other")),
)

_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "}
_QT_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
_RIFF_TYPES = {
    b"WEBP": FileType("webp", "image"),
    b"WAVE": FileType("wav", "audio"),
    b"AVI ": FileType("avi", "video"),
}


def sniff(head: bytes) -> FileType:
    """The type of a file whose first bytes are ``head`` (pass at least SNIFF_BYTES)."""
    if not head:
        return EMPTY
    for prefix, found in _PREFIXES:
        if head.startswith(prefix):
            return _refine_compressed(found, head)
    for check in _CHECKS:
        typed = check(head)
        if typed is not None:
            return typed
    return OTHER


def _container_check(name: str, kind: Kind, detect: Callable[[bytes], bool]) -> _Check:
    def check(head: bytes) -> FileType | None:
        return FileType(name, kind) if detect(head) else None

    return check


def _iso_media(head: bytes) -> FileType | None:
    """ISO base media (MP4, MOV, 3GP, HEIF, AVIF, M4A): a box list starting with ftyp."""
    if len(head) < 12:
        return None
    box = head[4:8]
    if box != b"ftyp":
        return FileType("mov", "video") if box in _QT_ATOMS else None
    size = int.from_bytes(head[0:4], "big")
    brands = [head[8:12]] + [head[i : i + 4] for i in range(16, min(size, len(head)) - 3, 4)]
    major = brands[0]
    if major in (b"avif", b"avis"):
        return FileType("avif", "image")
    if major in _HEIF_BRANDS or (major not in (b"isom", b"mp41", b"mp42") and _heif(brands)):
        return FileType("heic", "image")
    if major in _AUDIO_BRANDS:
        return FileType("m4a", "audio")
    if major == b"qt  ":
        return FileType("mov", "video")
    if major.startswith((b"3gp", b"3g2", b"3ge", b"3gg")):
        return FileType("3gp", "video")
    return FileType("mp4", "video")


def _heif(brands: list[bytes]) -> bool:
    return any(brand in _HEIF_BRANDS for brand in brands)


def _riff(head: bytes) -> FileType | None:
    if len(head) >= 12 and head.startswith(b"RIFF"):
        return _RIFF_TYPES.get(head[8:12])
    return None


def _aiff(head: bytes) -> FileType | None:
    if len(head) >= 12 and head.startswith(b"FORM") and head[8:12] in (b"AIFF", b"AIFC"):
        return FileType("aiff", "audio")
    return None


def _ebml(head: bytes) -> FileType | None:
    """Matroska and WebM share the EBML header; the DocType element tells them apart."""
    if not head.startswith(b"\x1a\x45\xdf\xa3"):
        return None
    return FileType("webm", "video") if b"webm" in head[:64] else FileType("mkv", "video")


def _ogg(head: bytes) -> FileType | None:
    if not head.startswith(b"OggS"):
        return None
    return FileType("ogv", "video") if b"theora" in head else FileType("ogg", "audio")


def _mpegts(head: bytes) -> FileType | None:
    """Transport streams: a 0x47 sync byte every 188 bytes (192 with M2TS timecodes)."""
    for start, step in ((0, 188), (4, 192)):
        if len(head) > start + 2 * step and all(head[start + i * step] == 0x47 for i in range(3)):
            return FileType("mpegts", "video")
    return None


def _bmp(head: bytes) -> FileType | None:
    header_size = int.from_bytes(head[14:18], "little")
    if len(head) >= 18 and head.startswith(b"BM") and header_size in (12, 40, 52, 56, 64, 108, 124):
        return FileType("bmp", "image")
    return None


def _mpeg_audio(head: bytes) -> FileType | None:
    """MP3 without an ID3 tag, and ADTS AAC: an 11-bit frame sync with a valid layer."""
    if len(head) < 3 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return None
    layer = (head[1] >> 1) & 0x3
    version = (head[1] >> 3) & 0x3
    if layer == 0 and head[1] & 0xF6 == 0xF0:
        return FileType("aac", "audio")
    bitrate, rate = head[2] >> 4, (head[2] >> 2) & 0x3
    if layer != 0 and version != 1 and bitrate not in (0, 15) and rate != 3:
        return FileType("mp3", "audio")
    return None


def _refine_compressed(found: FileType, head: bytes) -> FileType:
    """A gzip or xz stream whose first decompressed block is a tar header is a tarball."""
    if found.name not in ("gzip", "xz", "bzip2"):
        return found
    if is_tar_header(decompress_head(found.name, head)):
        return FileType(f"tar.{_SUFFIX[found.name]}", "archive")
    return found


_SUFFIX = {"gzip": "gz", "bzip2": "bz2", "xz": "xz"}

_Check = Callable[[bytes], FileType | None]
_CHECKS: tuple[_Check, ...] = (
    _iso_media,
    _riff,
    _ebml,
    _ogg,
    # containers told by a check rather than a fixed prefix (bzip2, tar), in registry order
    *(_container_check(c.name, c.kind, c.detect) for c in CONTAINER_FORMATS if c.detect),
    _mpegts,
    _bmp,
    _aiff,
    _mpeg_audio,
)
