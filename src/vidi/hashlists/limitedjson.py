"""JSON handed to ijson only as far as it keeps within the hash-list limits.

ijson's C backend (yajl) is fast and has no limits of its own: 100,000 nested arrays
grow memory by gigabytes, deep nesting ends in ``RecursionError`` wherever the record
is walked later, and an integer of more than about 4,300 digits kills the interpreter
(Python refuses to convert it and the backend does not check). ``LimitedJson`` sits
between the file and ijson. It reads a block, sets the strings aside (one ``split`` on
the quote character, or a regular expression when the block holds an escaped quote),
checks nesting depth, number and string length and record size on what is left, and
passes on only bytes that keep to :class:`~vidi.hashlists.limits.Limits`. A string or
number cut by the block's end waits for the next block, so ijson never sees more of
one than the limit allows. The first breach is raised as :class:`LimitExceeded` once
ijson has consumed everything before it, so the reader can name the record it is in.

Malformed JSON is not this module's business: yajl refuses it at its first bad byte,
and everything before that byte is valid JSON, which is all these checks assume.
"""

from __future__ import annotations

import re
from typing import IO

from vidi.errors import HashListError
from vidi.hashlists.limits import Limits

BLOCK = 16 * 1024

_STRING = rb'"[^"\\]*(?:\\.[^"\\]*)*"'
_STRINGS = re.compile(_STRING, re.DOTALL)
# Strings, brackets and number runs in order: the exact walk that says where.
_WALK = re.compile(_STRING + rb"|[\[\]{}]|[-+.0-9eE]+", re.DOTALL)
_WORD_CHARS = b"-+.0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
# Every number character becomes "0", anything else " ": a long number is a long run of "0".
_NUMBER_MASK = bytes(0x30 if b in b"-+.0123456789eE" else 0x20 for b in range(256))
_OPEN = frozenset(b"[{")
_CLOSE = frozenset(b"]}")


class LimitExceeded(HashListError):
    """A limit was breached ``offset`` bytes into the file; ``in_record`` if inside a record."""

    def __init__(self, reason: str, offset: int, in_record: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.offset = offset
        self.in_record = in_record


class LimitedJson:
    """A binary reader (``read`` only) over ``raw`` for ijson to parse.

    ``record_depth`` is the nesting level of one record (3 for ``value[*]``, 5 for
    ``value[*].Media[*]``); the size of what lies that deep is what
    ``limits.record_bytes`` bounds.
    """

    def __init__(self, raw: IO[bytes], limits: Limits, record_depth: int) -> None:
        self._raw = raw
        self._limits = limits
        self._record_depth = record_depth
        self._long_number = b"0" * (limits.number_chars + 1)
        self._offset = raw.tell()  # where in the file self._carry starts
        self._carry = b""
        self._ready = b""
        self._depth = 0
        self._record_bytes = 0
        self._breach: LimitExceeded | None = None
        self._done = False

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            return b""
        while not self._ready:
            if self._breach is not None:
                raise self._breach
            if self._done:
                return b""
            self._fill()
        out = self._ready if size < 0 else self._ready[:size]
        self._ready = self._ready[len(out) :]
        return out

    def _fill(self) -> None:
        """Read one block; pass on what it completes, keep a cut string or number."""
        block = self._raw.read(BLOCK)
        at_end = not block
        buf = self._carry + block
        bare, unclosed, strings = _set_strings_aside(buf)
        limits = self._limits
        keep = len(buf) if unclosed < 0 else unclosed
        if unclosed < 0 and not at_end:
            tail = len(buf) - len(buf.rstrip(_WORD_CHARS))
            if tail <= limits.number_chars:  # a number that may go on in the next block
                keep -= tail
        self._pass(buf[:keep], bare, strings)
        if unclosed >= 0 and len(buf) - unclosed - 1 > limits.string_bytes:
            self._breach_at(keep, self._string_reason())
        elif unclosed >= 0 and at_end and self._breach is None:
            self._ready += buf[keep:]  # yajl says the file ends inside a string
        self._offset += keep
        self._carry = buf[keep:]
        self._done = at_end

    def _pass(self, text: bytes, bare: bytes, strings: list[bytes] | None) -> None:
        """Queue for ijson what of ``text`` keeps within the limits; note the first breach.

        ``bare`` is ``text`` (and perhaps a cut number after it) without its strings;
        ``strings`` their contents, when known.
        """
        if not text or self._breach is not None:
            return
        if self._fast_check(text, bare, strings):
            self._ready += text
            return
        position, reason = self._walk(text)
        self._ready += text[:position]
        if reason is not None:
            self._breach_at(position, reason)

    def _fast_check(self, text: bytes, bare: bytes, strings: list[bytes] | None) -> bool:
        """True when ``text`` keeps within the limits (then depth and record size move on).

        Strings, most of a VICS file, are never looked at in Python, nor is any other
        token: everything here is a handful of C-speed calls per block.
        """
        limits = self._limits
        if self._long_number in bare.translate(_NUMBER_MASK):
            return False
        if len(text) - len(bare) > limits.string_bytes:  # else no string can be that long
            if strings is None:
                strings = [m.group() for m in _STRINGS.finditer(text)]  # quotes: +2 each
                if max(map(len, strings), default=0) - 2 > limits.string_bytes:
                    return False
            elif max(map(len, strings), default=0) > limits.string_bytes:
                return False
        moves = _bracket_moves(bare.translate(None, _NOT_BRACKETS), limits.depth)
        if moves is None:
            return False
        closes, opens, nesting = moves
        record, start = self._record_depth, self._depth
        lowest, depth = start - closes, start - closes + opens
        if max(start, depth) + nesting > limits.depth:
            return False  # perhaps too deep: the walk says exactly
        if depth < record:
            size = 0
        elif start >= record and lowest >= record:
            size = self._record_bytes + len(text)
        else:
            size = len(text)  # the record began in this text: counted from the text's start
        self._depth, self._record_bytes = depth, size
        if size > limits.record_bytes:  # raised once ijson has read this text
            reason = f"a record longer than the limit of {limits.record_bytes:,} bytes"
            self._breach_at(len(text), reason)
        return True

    def _walk(self, text: bytes) -> tuple[int, str | None]:
        """The first breach in ``text`` and where, token by token (after the fast check)."""
        limits, depth = self._limits, self._depth
        for match in _WALK.finditer(text):
            token = match.group()
            first = token[0]
            reason = None
            if first == 0x22:
                if len(token) - 2 > limits.string_bytes:
                    reason = self._string_reason()
            elif first in _OPEN:
                if depth + 1 > limits.depth:
                    reason = f"nested deeper than the limit of {limits.depth} levels"
                else:
                    depth += 1
            elif first in _CLOSE:
                depth -= 1
            elif len(token) > limits.number_chars:
                reason = f"a number longer than the limit of {limits.number_chars} characters"
            if reason is not None:
                self._depth = depth
                return match.start(), reason
        # Malformed JSON (a number run across a string, say) can trip the fast check
        # with nothing here: yajl refuses it before any of it matters.
        self._depth, self._record_bytes = depth, 0
        return len(text), None

    def _string_reason(self) -> str:
        return f"a string longer than the limit of {self._limits.string_bytes:,} bytes"

    def _breach_at(self, position: int, reason: str) -> None:
        if self._breach is None:
            in_record = self._depth >= self._record_depth
            self._breach = LimitExceeded(reason, self._offset + position, in_record)


def _bracket_moves(brackets: bytes, limit: int) -> tuple[int, int, int] | None:
    """What a run of brackets does to the depth: (unmatched closes, unmatched opens, a
    bound on the nesting of the matched pairs), or None when that is not plain.

    Matched pairs are removed innermost first at C speed; each ``replace`` that
    removes any takes at most one level off the deepest nesting, so their count bounds
    it. What is left of valid JSON is closes followed by opens: the depth falls by the
    closes first (its lowest point), then rises by the opens.
    """
    rounds, idle = 0, 0
    while idle < 2:
        for pair in (b"{}", b"[]"):
            shorter = brackets.replace(pair, b"")
            if len(shorter) == len(brackets):
                idle += 1
                continue
            brackets, rounds, idle = shorter, rounds + 1, 0
            if rounds > limit:
                return None
    closes = len(brackets) - len(brackets.lstrip(b"]}"))
    if brackets[closes:].strip(b"[{"):
        return None  # mismatched brackets: malformed, the walk and yajl see to it
    return closes, len(brackets) - closes, rounds


def _set_strings_aside(buf: bytes) -> tuple[bytes, int, list[bytes] | None]:
    """``buf`` without its strings, where an unclosed last string opens (or -1), and
    the closed strings' contents when they came at no cost (else None).

    ``buf`` starts outside any string. Without an escaped quote every quote opens or
    closes a string, and ``split`` does the work at C speed.
    """
    if b'\\"' not in buf:
        parts = buf.split(b'"')
        if len(parts) % 2:
            unclosed, inside = -1, parts[1::2]
        else:
            unclosed, inside = len(buf) - len(parts[-1]) - 1, parts[1:-1:2]
        return b"".join(parts[0::2]), unclosed, inside
    bare = _STRINGS.sub(b"", buf)
    quote = bare.find(b'"')  # an unclosed string is left whole, from its quote to the end
    if quote < 0:
        return bare, -1, None
    return bare[:quote], len(buf) - (len(bare) - quote), None
