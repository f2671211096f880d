"""Digest: read a file once and feed MD5, SHA-1 and SHA-256 from the same bytes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import BinaryIO

from vidi.sources.sniff import SNIFF_BYTES

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Digest:
    md5: str
    sha1: str
    sha256: str
    size: int
    head: bytes


def digest_bytes(data: bytes) -> Digest:
    return Digest(
        md5=hashlib.md5(data).hexdigest(),
        sha1=hashlib.sha1(data).hexdigest(),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        head=data[:SNIFF_BYTES],
    )


def digest_stream(stream: BinaryIO) -> Digest:
    """Hash a stream chunk by chunk: memory stays flat whatever the file's size."""
    md5, sha1, sha256 = hashlib.md5(), hashlib.sha1(), hashlib.sha256()
    size = 0
    head = b""
    while chunk := stream.read(CHUNK):
        if size < SNIFF_BYTES:
            head = (head + chunk)[:SNIFF_BYTES]
        md5.update(chunk)
        sha1.update(chunk)
        sha256.update(chunk)
        size += len(chunk)
    return Digest(md5.hexdigest(), sha1.hexdigest(), sha256.hexdigest(), size, head)
