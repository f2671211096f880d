"""Hostile hash lists fail with one line naming file, record and limit; nothing crashes.

Each input here once took the process down: by memory (nested arrays), by recursion
(nested objects), by a segfault in ijson's C backend (a 5,000-digit integer), or with a
traceback (a 200 KB line, a Unicode digit, a NUL character).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from vidi.errors import HashListError
from vidi.hashlists import ExportItem, KnownEntry, read_hashlist
from vidi.hashlists.limits import Limits

MD5 = "adebf3fa3c9be7f73825e1cb9e2dea09"
HEAD = b'{"@odata.context": "x", "value": [{"CaseID": "c", "Media": ['
TAIL = b"]}]}"


def media(extra: bytes = b"") -> bytes:
    return b'{"MD5": "' + MD5.encode() + b'"' + extra + b"}"


def vics(*records: bytes) -> bytes:
    return HEAD + b",".join(records) + TAIL


HOSTILE: dict[str, tuple[str, bytes, str]] = {
    # name: (file name, content, what the one-line error must say)
    "nested arrays": (
        "arrays.json",
        vics(media(), media(b', "x": ' + b"[" * 100_000 + b"]" * 100_000)),
        "Media[1], byte 180: nested deeper than the limit of 32 levels",
    ),
    "nested objects": (
        "objects.json",
        vics(media(b', "x": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_000)),
        "Media[0], byte 271: nested deeper than the limit of 32 levels",
    ),
    "nesting of 1000": (
        "thousand.json",
        vics(media(b', "x": ' + b"[" * 1000 + b"]" * 1000)),
        "Media[0], byte 136: nested deeper than the limit of 32 levels",
    ),
    "a 5,000-digit integer": (
        "digits.json",
        vics(media(b', "MediaSize": ' + b"9" * 5000)),
        "Media[0], byte 117: a number longer than the limit of 40 characters",
    ),
    "a 200 KB string": (
        "string.json",
        vics(media(b', "Comments": "' + b"x" * 200_000 + b'"')),
        "Media[0], byte 116: a string longer than the limit of 65,536 bytes",
    ),
    "a 1.1 MB record": (
        "record.json",
        vics(media(b', "x": [' + b",".join([b'"' + b"y" * 1000 + b'"'] * 1100) + b"]")),
        "Media[0], byte 1,064,293: a record longer than the limit of 1,048,576 bytes",
    ),
    "a superscript two as the category": (
        "super.json",
        vics(media(', "Category": "²"'.encode())),
        "Media[0]: Category '²' is not a Project VIC category number",
    ),
    "an Arabic-Indic three as the category": (
        "arabic.json",
        vics(media(', "Category": "٣"'.encode())),
        "Media[0]: Category '٣' is not a Project VIC category number",
    ),
    "a category number too large for the column": (
        "huge.json",
        vics(media(b', "Category": 1e300')),
        "Media[0]: Category 1e+300 is not a Project VIC category number",
    ),
    "a NUL in a VICS note": (
        "nul.json",
        vics(media(b', "Comments": "a\\u0000b"')),
        "Media[0]: the note holds a NUL character (U+0000), which the database cannot store",
    ),
    "a NUL in a CSV note": (
        "nul.csv",
        f"md5,note\n{MD5},a\0b\n".encode(),
        "line 2: the note holds a NUL character (U+0000)",
    ),
    "a plain-list line with a 200 KB name": (
        "plain.txt",
        f"{MD5}  {'n' * 200_000}\n".encode(),
        "line 1: a record longer than the limit of 65,536 characters",
    ),
    "a CSV cell of 200 KB": (
        "cell.csv",
        f"md5,note\n{MD5},{'n' * 200_000}\n".encode(),
        "line 2: a record longer than the limit of 65,536 characters",
    ),
    "a quoted CSV cell spanning many short lines": (
        "lines.csv",
        ("md5,note\n" + MD5 + ',"' + "x\n" * 40_000 + '"\n').encode(),
        "a record longer than the limit of 65,536 characters",
    ),
    "an NSRL line of 200 KB": (
        "NSRLFile.txt",
        b'"SHA-1","MD5","CRC32","FileName","FileSize","ProductCode","OpSystemCode","SpecialCode"\n'
        + b'"'
        + b"A" * 40
        + b'","'
        + MD5.encode()
        + b'","0","'
        + b"n" * 200_000
        + b'","1","1","1",""\n',
        "line 2: a record longer than the limit of 65,536 characters",
    ),
    "a CSV category longer than its column": (
        "long-category.csv",
        f"md5,category\n{MD5},{'c' * 65}\n".encode(),
        "line 2: category 'ccc",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_list_fails_with_one_line_naming_file_record_and_limit(
    tmp_path: Path, case: str
) -> None:
    name, content, expected = HOSTILE[case]
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(HashListError) as info:
        list(read_hashlist(path))
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert expected in message
    assert "\n" not in message and len(message) < 300


def test_a_record_just_under_each_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "edge.json"
    nested = b"[" * 27 + b"]" * 27  # 5 levels to the record, 27 inside it: 32
    path.write_bytes(
        vics(
            media(b', "x": ' + nested),
            media(b', "Score": 0.' + b"5" * 38),
            media(b', "Comments": "' + b"c" * 65_536 + b'"'),
            media(b', "Category": "7"'),
        )
    )
    entries = list(read_hashlist(path))
    assert [e.location for e in entries] == ["Media[0]", "Media[1]", "Media[2]", "Media[3]"]
    assert entries[1].extra["Score"] == pytest.approx(5 / 9)
    assert entries[2].note == "c" * 65_536
    assert entries[3].category == "vics-7"


def test_a_number_cut_by_the_read_block_is_measured_whole(tmp_path: Path) -> None:
    """The gate reads 16 KiB blocks; a number that straddles two must still be counted."""
    filler = b', "Comments": "' + b"f" * (16 * 1024 - len(HEAD) - 60) + b'"'
    path = tmp_path / "straddle.json"
    path.write_bytes(vics(media(filler + b', "MediaSize": ' + b"7" * 60)))
    with pytest.raises(HashListError, match="a number longer than the limit of 40"):
        list(read_hashlist(path))


def test_limits_are_configurable_and_entries_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "many.json"
    path.write_bytes(vics(*[media(b', "x": [[1]]')] * 12))
    assert len(list(read_hashlist(path))) == 12
    with pytest.raises(HashListError, match=r"Media\[10\]: more entries than the limit of 10"):
        list(read_hashlist(path, limits=Limits(entries=10)))
    with pytest.raises(HashListError, match="nested deeper than the limit of 6 levels"):
        list(read_hashlist(path, limits=Limits(depth=6)))


def test_export_sizes_take_only_ascii_digits() -> None:
    def size(value: object) -> int | None:
        known = KnownEntry(MD5, None, None, None, None, None, {"MediaSize": value}, "Media[0]")
        return ExportItem.from_entry(known).size

    assert size("12") == 12
    assert size("١٢") is None
    assert size("²") is None


_SURVIVOR = textwrap.dedent(
    """
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # 1 GiB of address space
    from pathlib import Path
    from vidi.errors import HashListError
    from vidi.hashlists import read_hashlist
    try:
        list(read_hashlist(Path(sys.argv[1])))
    except HashListError as error:
        print("refused:", error)
    """
)


@pytest.mark.parametrize("case", ["a 5,000-digit integer", "nested arrays", "nested objects"])
def test_the_interpreter_survives_within_one_gib(tmp_path: Path, case: str) -> None:
    """In a child process: a segfault or a MemoryError there cannot hide behind pytest."""
    name, content, expected = HOSTILE[case]
    path = tmp_path / name
    path.write_bytes(content)
    done = subprocess.run(
        [sys.executable, "-c", _SURVIVOR, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"OPENBLAS_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("refused: ") and expected in done.stdout
