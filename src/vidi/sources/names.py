"""Turn names found in folders and archives into storable text, losslessly.

Names in a seizure are hostile input like everything else: they may not be valid
UTF-8, may hold control characters (a NUL cannot be stored in PostgreSQL text), and
archive member names may try to climb out of their archive (``../x``, ``/etc/x``).

A name is stored as text that reads like the name itself, with the characters that
cannot be stored or seen written as escapes: control characters and undecodable bytes
as ``\\xNN``, broken UTF-16 surrogates as ``\\uNNNN``. A backslash is doubled where it
would otherwise read as the start of an escape (``\\\\``), so a file literally named
``a\\x0ab`` is never confused with ``a<newline>b``. The encoding is one-to-one:
:func:`decode_name` gives the original name back, and two different names never share
a text (hence never share a place key).
"""

from __future__ import annotations

import posixpath
import re

_NEEDS_ESCAPE = re.compile("[\\\\\x00-\x1f\x7f\ud800-\udfff]")
# The escapes encode_name writes, and \\ for a backslash. Nothing else is an escape:
# a backslash followed by anything else (`dir\file`, `\x41`) is a plain backslash.
_ESCAPE = re.compile(
    r"""\\(?:
        \\                                          # a backslash
        | x(?: [01][0-9a-f] | 7f | [89a-f][0-9a-f] )  # a control character or a byte
        | u(?: d[89ab][0-9a-f]{2} | dc[0-7][0-9a-f] | d[def][0-9a-f]{2} )  # a surrogate
    )""",
    re.VERBOSE,
)


def encode_name(raw: str) -> str:
    """``raw`` as valid UTF-8 text, one-to-one: controls and undecodable bytes as escapes.

    Names read from the file system come with undecodable bytes as surrogate escapes
    (U+DC80..U+DCFF); those become ``\\xNN`` for the byte they stand for. Other lone
    surrogates (broken UTF-16 in 7z or Windows names) become ``\\uNNNN``.
    """
    if not _NEEDS_ESCAPE.search(raw):
        return raw
    pieces = [_escape_char(char) for char in raw]
    for index in range(len(pieces) - 2, -1, -1):
        if pieces[index] == "\\" and _ESCAPE.match("\\" + "".join(pieces[index + 1 : index + 6])):
            pieces[index] = "\\\\"
    return "".join(pieces)


def _escape_char(char: str) -> str:
    code = ord(char)
    if char == "\\" or 0x20 <= code < 0x7F or 0x7F < code < 0xD800 or code > 0xDFFF:
        return char
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"
    if code >= 0xD800:
        return f"\\u{code:04x}"
    return f"\\x{code:02x}"


def decode_name(text: str) -> str:
    """The name :func:`encode_name` made ``text`` from (undecodable bytes as surrogates).

    ``os.fsencode(decode_name(text))`` is a file's name as the file system holds it.
    """
    if "\\" not in text:
        return text
    return _ESCAPE.sub(_unescape, text)


def _unescape(match: re.Match[str]) -> str:
    escape = match.group()
    if escape == "\\\\":
        return "\\"
    code = int(escape[2:], 16)
    if escape[1] == "x" and code >= 0x80:
        return chr(0xDC00 + code)
    return chr(code)


def member_path(raw: str) -> str | None:
    """The '/'-separated place of an archive member; None if it would leave the archive.

    An empty string means the name has no file name in it at all (``""``, ``./``).

    Absolute names (``/x``, ``\\x``, ``C:x``) and names with a ``..`` component are
    refused; backslashes count as separators for that test because Windows tools
    treat them so. ``./`` components and repeated slashes are dropped.
    """
    if raw.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", raw):
        return None
    parts = re.split(r"[/\\]", raw)
    if ".." in parts:
        return None
    kept = [part for part in raw.split("/") if part not in ("", ".")]
    if not kept:
        return ""
    return encode_name(posixpath.join(*kept))
