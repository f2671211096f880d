"""Generated and mutated hash lists for the fuzz test and ``bench/fuzz_hashlists.py``.

A valid list is written by Vidi's own writers (VICS 1.3/2.0, CSV) or as NSRL text, then
mutated: spans deleted, duplicated or overwritten, and hostile snippets (deep nesting,
endless digits, stray quotes and backslashes, NUL, Unicode digits, long lines) put in.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from hypothesis import strategies as st

from vidi.hashlists import ExportItem, write_csv, write_vics

HEX = "0123456789abcdef"
SNIPPETS: tuple[bytes, ...] = (
    b"[" * 40,
    b"[" * 3000,
    b'{"a":' * 40,
    b'{"a":' * 2000,
    b"]" * 50,
    b"}" * 50,
    b"9" * 60,
    b"9" * 5000,
    b"-0.5e+99",
    b"1e400",
    b'"',
    b"\\",
    b'\\"',
    b"\\u0000",
    b"\\ud800",
    b"\x00",
    b"\n",
    b"\r\n",
    b",",
    b":",
    b'"Category": "\xc2\xb2"',
    b'"Category": "\xd9\xa3"',
    b'"Category": 1e300',
    b'"Comments": "' + b"x" * 70_000 + b'"',
    b"n" * 70_000,
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"null",
    b"true",
    b'"Media": [',
    b'"value": [',
)


def hex_text(length: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=HEX, min_size=length, max_size=length)


@st.composite
def export_items(draw: st.DrawFn) -> ExportItem:
    hashes = {
        "md5": draw(st.none() | hex_text(32)),
        "sha1": draw(st.none() | hex_text(40)),
        "sha256": draw(st.none() | hex_text(64)),
        "pdq": draw(st.none() | hex_text(64)),
    }
    if not any(hashes.values()):
        hashes["md5"] = draw(hex_text(32))
    category = draw(st.sampled_from([None, "csam", "exploitive", "non-pertinent", "vics-7"]))
    storable = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
    note = draw(st.none() | st.text(storable, max_size=40))
    names = draw(st.lists(st.text(min_size=1, max_size=20), max_size=2))
    return ExportItem(**hashes, category=category, note=note, file_names=tuple(names))


def nsrl_text(items: list[ExportItem], header: bool) -> bytes:
    lines = []
    if header:
        lines.append('"SHA-1","MD5","CRC32","FileName","FileSize","ProductCode","OpSystemCode",""')
    for item in items:
        md5, sha1 = item.md5 or "0" * 32, item.sha1 or "0" * 40
        lines.append(f'"{sha1}","{md5}","0","f.txt","1","1","1",""' if header else f"{md5}  a")
    return ("\n".join(lines) + "\n").encode()


@st.composite
def valid_lists(draw: st.DrawFn) -> tuple[str, bytes]:
    """(format, content) of a list every reader accepts."""
    items = draw(st.lists(export_items(), min_size=0, max_size=8))
    kind = draw(st.sampled_from(["vics-2.0", "vics-1.3", "csv", "nsrl", "plain"]))
    if kind.startswith("vics"):
        out = io.StringIO()
        write_vics(items, out, version=kind[5:], case_name="fuzz", case_id="c-1")
        return "vics", out.getvalue().encode()
    if kind == "csv":
        out = io.StringIO(newline="")
        write_csv(items, out)
        return "csv", out.getvalue().encode()
    return "nsrl", nsrl_text(items or [ExportItem(md5="0" * 32)], header=kind == "nsrl")


@dataclass(frozen=True)
class Mutation:
    where: float  # 0..1 of the content's length
    kind: str
    size: int
    snippet: bytes


mutations = st.builds(
    Mutation,
    where=st.floats(0, 1),
    kind=st.sampled_from(["insert", "delete", "duplicate", "overwrite", "byte"]),
    size=st.integers(1, 200),
    snippet=st.sampled_from(SNIPPETS) | st.binary(min_size=1, max_size=20),
)


def mutate(content: bytes, changes: list[Mutation]) -> bytes:
    for change in changes:
        at = int(change.where * len(content))
        end = min(len(content), at + change.size)
        if change.kind == "insert":
            content = content[:at] + change.snippet + content[at:]
        elif change.kind == "delete":
            content = content[:at] + content[end:]
        elif change.kind == "duplicate":
            content = content[:end] + content[at:end] + content[end:]
        elif change.kind == "overwrite":
            content = content[:at] + change.snippet + content[at + len(change.snippet) :]
        elif content:
            at = min(at, len(content) - 1)
            content = content[:at] + bytes([change.size % 256]) + content[at + 1 :]
    return content


@st.composite
def hostile_lists(draw: st.DrawFn) -> tuple[str, bytes]:
    """(format, content): a valid list with up to four mutations."""
    format, content = draw(valid_lists())
    return format, mutate(content, draw(st.lists(mutations, max_size=4)))
