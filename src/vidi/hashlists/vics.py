"""Project VIC's VICS JSON: read it as a stream of known entries, write it for other tools.

VICS files reach gigabytes, so nothing here loads a whole file: ``ijson`` yields one
Media record at a time, and the writer emits one record at a time. ijson reads through
:class:`~vidi.hashlists.limitedjson.LimitedJson`, which keeps nesting, numbers, strings
and records within :class:`~vidi.hashlists.limits.Limits`. The shapes read and written,
and where they were learned, are in docs/hashlists.md.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, TextIO

import ijson

from vidi.errors import HashListError
from vidi.hashlists.entry import (
    HASH_KINDS,
    ExportFile,
    ExportItem,
    KnownEntry,
    as_export_item,
    make_entry,
    normalise_hash,
    shown,
    vics_category_code,
    vics_category_name,
)
from vidi.hashlists.head import head_text
from vidi.hashlists.limitedjson import BLOCK, LimitedJson, LimitExceeded
from vidi.hashlists.limits import LIMITS, Limits

VICS_CONTEXT_2_0 = (
    "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Cases"
)
VICS_METADATA_1_3 = "http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Cases"
VICS_VERSIONS = ("1.3", "2.0")
SOURCE_APPLICATION = "Vidi"

_BOM = b"\xef\xbb\xbf"
_BUF_SIZE = BLOCK  # ijson builds every record of one buffer at once; keep that small
_CASE_RECORD_DEPTH = 5  # {"value": [{"Media": [{ … }]}]}
_MEDIA_RECORD_DEPTH = 3  # {"value": [{ … }]}
_CATEGORY_DIGITS = re.compile(r"[0-9]{1,9}")
MAX_CATEGORY = 999_999_999
"""The largest VICS Category number read ("vics-999999999" fits the category column)."""


def looks_like_vics(head: bytes) -> bool:
    """True when the file starts with a JSON object (after blanks and a byte-order mark)."""
    return head_text(head).lstrip().startswith("{")


def _open_json(path: Path) -> IO[bytes]:
    """The file in binary, positioned after a UTF-8 byte-order mark if an exporter wrote one."""
    handle = path.open("rb")
    if handle.read(3) != _BOM:
        handle.seek(0)
    return handle


def _vics_shape(path: Path, limits: Limits) -> str:
    """'cases' (value[*].Media[*]), 'media' (value[*] are Media records) or 'empty'.

    Reads only as far as the first record, so telling the shapes apart costs nothing.
    """
    where = "before value[0]"
    with _open_json(path) as handle:
        source = LimitedJson(handle, limits, _MEDIA_RECORD_DEPTH)
        try:
            for prefix, event, _ in ijson.parse(source, buf_size=_BUF_SIZE):
                if (prefix, event) == ("value.item", "start_map"):
                    where = "value[0]"
                if prefix == "" and event in ("start_array", "string", "number", "boolean"):
                    raise HashListError("the top level is not a JSON object (not VICS JSON)")
                if prefix == "value" and event not in ("start_array", "end_array"):
                    raise HashListError("'value' is not an array (not VICS JSON)")
                if prefix == "value.item" and event not in ("start_map", "map_key", "end_map"):
                    raise HashListError("value[0]: is not a JSON object")
                if (prefix, event) == ("value.item.Media", "start_array"):
                    return "cases"
                if (prefix, event) == ("value.item", "end_map"):
                    return "media"
                if (prefix, event) == ("value", "end_array"):
                    return "empty"
        except LimitExceeded as exc:
            raise HashListError(f"{where}, byte {exc.offset:,}: {exc.reason}") from None
        except ijson.JSONError as exc:
            raise HashListError(f"not valid JSON: {_first_line(exc)}") from exc
    raise HashListError("no 'value' array at the top level (not VICS JSON)")


def read_vics(path: Path, limits: Limits = LIMITS) -> Iterator[KnownEntry]:
    """Every Media record of a VICS 1.x or 2.0 file, in file order, as a KnownEntry."""
    shape = _vics_shape(path, limits)
    if shape == "empty":
        return
    cases = shape == "cases"
    prefix, label = ("value.item.Media.item", "Media") if cases else ("value.item", "value")
    depth = _CASE_RECORD_DEPTH if cases else _MEDIA_RECORD_DEPTH
    index = -1
    with _open_json(path) as handle:
        source = LimitedJson(handle, limits, depth)
        records = ijson.items(source, prefix, use_float=True, buf_size=_BUF_SIZE)
        try:
            for index, record in enumerate(records):
                yield media_entry(record, f"{label}[{index}]")
        except LimitExceeded as exc:
            where = f"{label}[{index + 1}]" if exc.in_record else _after(label, index)
            raise HashListError(f"{where}, byte {exc.offset:,}: {exc.reason}") from None
        except ijson.JSONError as exc:
            raise HashListError(
                f"not valid JSON {_after(label, index)}: {_first_line(exc)}"
            ) from exc


def _after(label: str, index: int) -> str:
    return f"after {label}[{index}]" if index >= 0 else f"before {label}[0]"


def _first_line(error: Exception) -> str:
    """yajl's message without the excerpt and arrow it draws on the lines below."""
    return str(error).strip().split("\n", 1)[0].strip()


def media_entry(record: Any, where: str) -> KnownEntry:
    """One VICS Media record → KnownEntry; unmapped fields (and the raw Category) go to extra.

    Hashes come from the record's own fields (``MD5``, ``SHA1``, ``SHA256``, ``PDQ``) and
    from the lists other tools write (``AlternativeHashes``, ``Hashes``). A hash given
    twice must agree; hashes Vidi does not compute (PhotoDNA, …) stay in ``extra``.
    """
    if not isinstance(record, dict):
        raise HashListError(f"{where}: a Media record must be a JSON object")
    hashes: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    listed: list[tuple[str, Any]] = []
    raw_category: Any = None
    note: str | None = None
    for key, value in record.items():
        name = _field_name(key)
        if name in HASH_KINDS:
            hashes[name] = value
        elif name in _HASH_LIST_FIELDS:
            listed.extend((key, item) for item in _hash_items(value, key, where))
            extra[key] = value
        elif name == "category":
            raw_category = value
            extra[key] = value
        elif name == "comments":
            note = None if value in (None, "") else str(value)
        else:
            extra[key] = value
    for field, (kind, value) in listed:
        _add_listed(hashes, kind, value, f"{where}: {field}")
    category = vics_category_name(_category_code(raw_category, where))
    return make_entry(where, hashes, category, note, extra)


_HASH_LIST_FIELDS = ("alternativehashes", "hashes")
"""Lists of ``{"HashName": …, "HashValue": …}``: VICS 2.0's ``AlternativeHashes`` (how
other tools carry PDQ and SHA256) and ``Hashes``, which some exporters write instead."""


@functools.lru_cache(maxsize=1024)
def _field_name(key: str) -> str:
    """A VICS field name compared without case, '-' or '_' ("SHA-256" is "sha256")."""
    return key.lower().replace("-", "").replace("_", "")


def _hash_items(listed: Any, field: str, where: str) -> Iterator[tuple[str, Any]]:
    """(kind, value) of each item of a hash list field whose HashName Vidi computes.

    HashName is compared without case, '-' or '_'; other names (PhotoDNA, …) are
    opaque here and stay in ``extra`` with the whole list.
    """
    if listed is None:
        return
    if not isinstance(listed, list):
        raise HashListError(f"{where}: {field} must be a list, got {shown(listed)}")
    for number, item in enumerate(listed):
        if not isinstance(item, dict):
            raise HashListError(f"{where}: {field}[{number}] must be a JSON object")
        keys = {_field_name(str(k)): v for k, v in item.items()}
        name = keys.get("hashname")
        if not isinstance(name, str):
            raise HashListError(f"{where}: {field}[{number}] has no HashName text")
        kind, value = _field_name(name), keys.get("hashvalue")
        if kind in HASH_KINDS:
            yield kind, value
        elif value is not None and not isinstance(value, str):
            raise HashListError(
                f"{where}: {field}[{number}] {name} must be text, got {shown(value)}"
            )


def _add_listed(hashes: dict[str, Any], kind: str, value: Any, where: str) -> None:
    """Take a listed hash, or check it against the same hash given as a field."""
    given = hashes.get(kind)
    if given is None or given == "":
        hashes[kind] = value
        return
    mine = normalise_hash(kind, given, where)
    theirs = normalise_hash(kind, value, where)
    if theirs is not None and mine != theirs:
        raise HashListError(
            f"{where}: {kind.upper()} {theirs} differs from the record's {kind.upper()} {mine}"
        )


def _category_code(raw: Any, where: str) -> int | None:
    """A VICS Category (a number, sometimes written as text) → int; null/"" → None.

    Text must be ASCII digits: ``str.isdigit`` also takes "²" and "٣", which no
    exporter means as a category.
    """
    if raw is None or raw == "":
        return None
    code: int | None = None
    if isinstance(raw, bool):
        code = None
    elif isinstance(raw, int):
        code = raw
    elif isinstance(raw, float) and raw.is_integer():
        code = int(raw)
    elif isinstance(raw, str) and _CATEGORY_DIGITS.fullmatch(raw.strip()):
        code = int(raw.strip())
    if code is None or not 0 <= code <= MAX_CATEGORY:
        raise HashListError(
            f"{where}: Category {shown(raw)} is not a Project VIC category number "
            f"(a whole number from 0 to {MAX_CATEGORY:,} in ASCII digits)"
        )
    return code


def write_vics(
    entries: Iterable[ExportItem | KnownEntry],
    out: TextIO,
    version: str = "2.0",
    case_name: str | None = None,
    case_id: str | None = None,
) -> int:
    """Write a VICS case file (1.3 or 2.0 shape), one Media record at a time; returns the count.

    The result reads back with ``read_hashlist`` and follows the public Project VIC shape,
    so other VICS tools can import it: MD5 and SHA1 as fields (what they key on), SHA256
    and PDQ in ``AlternativeHashes``. The exact shape is in docs/hashlists.md.
    """
    if version not in VICS_VERSIONS:
        raise ValueError(f"VICS version must be one of {VICS_VERSIONS}, got {version!r}")
    out.write(_header(version, case_name, case_id))
    count = 0
    for count, item in enumerate(entries, start=1):
        record = media_record(as_export_item(item), count)
        out.write(("\n" if count == 1 else ",\n") + json.dumps(record, ensure_ascii=False))
    out.write("\n]}]}\n")
    return count


def _header(version: str, case_name: str | None, case_id: str | None) -> str:
    case: dict[str, Any] = {}
    if version == "2.0":
        top = {"@odata.context": VICS_CONTEXT_2_0}
        case["CaseID"] = case_id or str(uuid.uuid4())
    else:
        top = {"odata.metadata": VICS_METADATA_1_3}
        if case_id:
            case["CaseID"] = case_id
    if case_name is not None:
        case["CaseNumber"] = case_name
    case["SourceApplicationName"] = SOURCE_APPLICATION
    top_text = json.dumps(top, ensure_ascii=False)[:-1]
    case_text = json.dumps(case, ensure_ascii=False)[:-1]
    return f'{top_text}, "value": [{case_text}, "Media": ['


def media_record(item: ExportItem, number: int) -> dict[str, Any]:
    """The VICS Media object for one item; absent values are left out, Category is always there.

    MD5 and SHA1 are fields of the public model; SHA256, PDQ and opaque hashes go in
    ``AlternativeHashes``, where other VICS 2.0 tools look for them.
    """
    code = vics_category_code(item.category)
    record: dict[str, Any] = {
        "MediaID": item.media_id if item.media_id is not None else number,
        "Category": code,
    }
    if item.md5:
        record["MD5"] = item.md5.upper()
    if item.sha1:
        record["SHA1"] = item.sha1.upper()
    if item.size is not None:
        record["MediaSize"] = item.size
    if item.files and item.files[0].relative_path is not None:
        record["RelativeFilePath"] = item.files[0].relative_path
    if item.note:
        record["Comments"] = item.note
    if item.category and code is None:
        record["Tags"] = item.category
    if item.files:
        record["MediaFiles"] = [_media_file(f) for f in item.files]
    elif item.file_names:
        record["MediaFiles"] = [{"FileName": name} for name in item.file_names]
    alternative = [
        *((name, value) for name, value in (("SHA256", item.sha256), ("PDQ", item.pdq)) if value),
        *item.other_hashes,
    ]
    if alternative:
        record["AlternativeHashes"] = [
            {"HashName": name, "HashValue": value.lower() if name in ("SHA256", "PDQ") else value}
            for name, value in alternative
        ]
    for key, value in item.extra.items():
        record.setdefault(key, value)
    return record


def _media_file(file: ExportFile) -> dict[str, Any]:
    found: dict[str, Any] = {"FileName": file.name}
    if file.relative_path is not None:
        found["RelativeFilePath"] = file.relative_path
    return found
