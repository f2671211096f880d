"""What every hash-list reader yields and every writer takes.

A hash list (VICS, CSV, NSRL) is reduced to one value, ``KnownEntry``: the hashes in
lower-case hex with checked lengths, a category in Vidi's words, a note, and every
field the format carried that Vidi does not map, kept as-is in ``extra``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from vidi.errors import HashListError

HASH_KINDS: tuple[str, ...] = ("md5", "sha1", "sha256", "pdq")
HASH_LENGTHS: dict[str, int] = {"md5": 32, "sha1": 40, "sha256": 64, "pdq": 64}
CATEGORY_CHARS = 64
"""The longest category word (the width of the database column, the same everywhere)."""
_HEX = re.compile(r"[0-9a-f]*")
_ASCII_DIGITS = re.compile(r"[0-9]{1,20}")
# Text the databases cannot store: PostgreSQL refuses NUL in text, and neither driver can
# encode a lone UTF-16 surrogate (a JSON "\ud800" with no partner) as UTF-8.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_SHOWN_CHARS = 80

IGNORABLE = "ignorable"
"""Category of entries from lists of known-benign files (NSRL-style)."""

VICS_CATEGORY_NAMES: dict[int, str] = {
    0: "non-pertinent",
    1: "csam",
    2: "exploitive",
    3: "cgi-animation",
    4: "comparison",
}
"""Project VIC (US scheme) category numbers → Vidi category words; see docs/hashlists.md.

A number not listed becomes ``vics-<n>``; ``null``/absent means uncategorised (None).
"""

_VICS_CATEGORY_CODES = {name: code for code, name in VICS_CATEGORY_NAMES.items()}
_VICS_OTHER = re.compile(r"vics-(\d+)")


@dataclass(frozen=True)
class KnownEntry:
    """One known item of a hash list; ``location`` says where in the file it was read."""

    md5: str | None
    sha1: str | None
    sha256: str | None
    pdq: str | None
    category: str | None
    note: str | None
    extra: dict[str, Any]
    location: str

    def hashes(self) -> dict[str, str]:
        """The hashes this entry has, by kind."""
        found = {kind: getattr(self, kind) for kind in HASH_KINDS}
        return {kind: value for kind, value in found.items() if value is not None}


@dataclass(frozen=True)
class ExportFile:
    """One file that holds an exported item: its name and its path inside the source.

    ``relative_path`` joins the archive chain and the path inside the innermost archive
    with "/" ("x/b.zip/inner/pic.jpg"), so other tools see where the file sat.
    """

    name: str
    relative_path: str | None = None


@dataclass(frozen=True)
class ExportItem:
    """One item to write into a hash list (from the media table or a KnownEntry).

    ``files`` are the item's occurrences (every file holding it); ``file_names`` is
    what is known without paths. ``other_hashes`` are hashes Vidi carries as opaque
    text (PhotoDNA, …), written back as read: (HashName, HashValue).
    """

    md5: str | None = None
    sha1: str | None = None
    sha256: str | None = None
    pdq: str | None = None
    category: str | None = None
    note: str | None = None
    size: int | None = None
    file_names: tuple[str, ...] = ()
    media_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    files: tuple[ExportFile, ...] = ()
    other_hashes: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_entry(cls, entry: KnownEntry) -> ExportItem:
        """Carry a read entry to a writer, with its size and file names where it had them."""
        size = entry.extra.get("MediaSize", entry.extra.get("size"))
        files = entry.extra.get("MediaFiles")
        names: tuple[str, ...] = ()
        if isinstance(files, list):
            names = tuple(
                str(f["FileName"]) for f in files if isinstance(f, dict) and f.get("FileName")
            )
        return cls(
            md5=entry.md5,
            sha1=entry.sha1,
            sha256=entry.sha256,
            pdq=entry.pdq,
            category=entry.category,
            note=entry.note,
            size=_as_size(size),
            file_names=names,
            media_id=_as_size(entry.extra.get("MediaID")),
            other_hashes=tuple(opaque_hashes(entry.extra)),
        )


def opaque_hashes(extra: dict[str, Any]) -> list[tuple[str, str]]:
    """The (HashName, HashValue) pairs of a read record's hash lists that Vidi does not compute."""
    found: list[tuple[str, str]] = []
    for key, listed in extra.items():
        if key.lower().replace("_", "") not in ("alternativehashes", "hashes"):
            continue
        for item in listed if isinstance(listed, list) else ():
            keys = {str(k).lower(): v for k, v in item.items()} if isinstance(item, dict) else {}
            name, value = keys.get("hashname"), keys.get("hashvalue")
            kind = name.lower().replace("-", "").replace("_", "") if isinstance(name, str) else ""
            if isinstance(value, str) and value and kind and kind not in HASH_KINDS:
                found.append((str(name), value))
    return found


def as_export_item(item: ExportItem | KnownEntry) -> ExportItem:
    return item if isinstance(item, ExportItem) else ExportItem.from_entry(item)


def _as_size(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _ASCII_DIGITS.fullmatch(value.strip()):
        return int(value.strip())
    return None


def shown(value: Any) -> str:
    """``repr(value)`` cut to a length that keeps an error message on one short line."""
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"


def normalise_hash(kind: str, value: Any, where: str) -> str | None:
    """A hash as lower-case hex of the right length, None when empty; else HashListError."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise HashListError(f"{where}: {kind.upper()} must be text, got {shown(value)}")
    text = value.strip().lower()
    want = HASH_LENGTHS[kind]
    if len(text) == want and _HEX.fullmatch(text):
        return text
    if not text:
        return None
    if not _HEX.fullmatch(text):
        raise HashListError(f"{where}: {kind.upper()} {shown(value)} is not hexadecimal")
    if len(text) != want:
        raise HashListError(
            f"{where}: {kind.upper()} {shown(value)} has {len(text)} hex characters, "
            f"expected {want}"
        )
    return text


def make_entry(
    where: str,
    hashes: dict[str, Any],
    category: str | None,
    note: str | None,
    extra: dict[str, Any],
) -> KnownEntry:
    """Check the hashes and build the entry; an entry without any hash is an error.

    The category and note must be text both databases store alike (see ``_UNSTORABLE``);
    the category must fit its column.
    """
    if category is not None and (len(category) > CATEGORY_CHARS or _UNSTORABLE.search(category)):
        _refuse_text("category", category, where)
    if note and _UNSTORABLE.search(note):
        _refuse_text("note", note, where)
    checked: dict[str, str | None] = dict.fromkeys(HASH_KINDS)
    found = False
    for kind, value in hashes.items():
        if value is not None and value != "":
            checked[kind] = normalise_hash(kind, value, where)
            found = found or checked[kind] is not None
    if not found:
        raise HashListError(f"{where}: no MD5, SHA-1, SHA-256 or PDQ hash")
    return KnownEntry(
        md5=checked["md5"],
        sha1=checked["sha1"],
        sha256=checked["sha256"],
        pdq=checked["pdq"],
        category=category,
        note=note,
        extra=extra,
        location=where,
    )


def _refuse_text(field: str, text: str, where: str) -> None:
    found = _UNSTORABLE.search(text)
    if found is None:
        raise HashListError(
            f"{where}: {field} {shown(text)} is longer than the limit of "
            f"{CATEGORY_CHARS} characters"
        )
    what = "a NUL character" if found.group() == "\x00" else "a lone UTF-16 surrogate"
    raise HashListError(
        f"{where}: the {field} holds {what} (U+{ord(found.group()):04X}), "
        "which the database cannot store"
    )


def vics_category_name(code: int | None) -> str | None:
    """Project VIC category number → Vidi category word (None stays uncategorised)."""
    if code is None:
        return None
    return VICS_CATEGORY_NAMES.get(code, f"vics-{code}")


def vics_category_code(name: str | None) -> int | None:
    """Vidi category word → Project VIC number, or None when VICS has no number for it.

    Known-benign ("ignorable") entries are exported as 0, non-pertinent, which is what
    Project VIC calls material that is not relevant to the investigation.
    """
    if name is None:
        return None
    if name == IGNORABLE:
        return 0
    if name in _VICS_CATEGORY_CODES:
        return _VICS_CATEGORY_CODES[name]
    other = _VICS_OTHER.fullmatch(name)
    return int(other.group(1)) if other else None
