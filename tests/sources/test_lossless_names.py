"""Names are stored one-to-one: no two raw names share a text, and the raw name comes back."""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from sources_helpers import listing, read, write_7z

from vidi.config import ArchiveLimits
from vidi.sources.base import Entry, path_key
from vidi.sources.enumerate import enumerate_source
from vidi.sources.names import decode_name, encode_name

# Characters that make escapes, and every kind of character encode_name treats apart.
_TRICKY = st.sampled_from(["\\", "x", "u", "0", "a", "d", "c", "8", "f", "/", "\n", "\x7f"])
_ANY = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())
_NAMES = st.text(st.one_of(_TRICKY, _ANY, st.sampled_from(["\udc80", "\udcff", "\ud800"])))


def _all_byte_names() -> list[bytes]:
    """A name for every byte but NUL and '/', and a name spelled like each one's text."""
    names = [b"n" + bytes([byte]) + b".bin" for byte in range(1, 256) if byte != ord("/")]
    spelled = [encode_name(os.fsdecode(name)).encode() for name in names]
    return names + [name for name in spelled if name not in names]


@given(_NAMES)
def test_a_name_comes_back_from_its_text(raw: str) -> None:
    text = encode_name(raw)
    assert decode_name(text) == raw
    text.encode("utf-8")
    assert not any(ord(char) < 0x20 or ord(char) == 0x7F for char in text)


@given(_NAMES, _NAMES)
def test_two_different_names_never_share_a_text(one: str, other: str) -> None:
    if one != other:
        assert encode_name(one) != encode_name(other)


def test_a_name_spelled_like_an_escape_keeps_its_own_text() -> None:
    pairs = [("a\nb.img", "a\\x0ab.img"), ("c\udc80d", "c\\x80d"), ("x\ud800", "x\\ud800")]
    for raw, spelled in pairs:
        assert encode_name(raw) == spelled
        assert encode_name(spelled) == spelled.replace("\\", "\\\\")
        assert encode_name(raw) != encode_name(spelled)
        assert path_key(encode_name(raw), ()) != path_key(encode_name(spelled), ())


def test_plain_names_and_lone_backslashes_are_stored_as_they_are() -> None:
    for name in ("holiday.jpg", "ünï/ç.png", "dir\\file.jpg", "drivers\\x64\\a.sys", "a\\"):
        assert encode_name(name) == name


def test_every_byte_in_a_folder_name_is_kept_apart_and_comes_back(tmp_path: Path) -> None:
    root = tmp_path / "src"
    root.mkdir()
    names = _all_byte_names()
    for number, name in enumerate(names):
        with open(os.path.join(os.fsencode(root), name), "wb") as out:
            out.write(b"file %d" % number)
    found = [item for item in listing(root, tmp_path / "work") if isinstance(item, Entry)]
    assert len(found) == len(names) > 254 + 100
    assert len({entry.path for entry in found}) == len({entry.key for entry in found}) == len(names)
    assert {os.fsencode(decode_name(entry.path)) for entry in found} == set(names)
    for entry in found:
        raw = os.fsencode(decode_name(entry.path))
        assert read(entry) == b"file %d" % names.index(raw)
        entry.path.encode("utf-8")


def _zip_with_raw_names(names: dict[bytes, bytes]) -> bytes:
    """A ZIP whose member names are these exact bytes, without the UTF-8 flag."""
    placeholders = {bytes([ord("G") + number]) * len(raw): raw for number, raw in enumerate(names)}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for placeholder, raw in placeholders.items():
            archive.writestr(placeholder.decode(), names[raw])
    data = buffer.getvalue()
    for placeholder, raw in placeholders.items():
        assert data.count(placeholder) == 2
        data = data.replace(placeholder, raw)
    return data


def test_zip_members_with_look_alike_names_are_all_read(tmp_path: Path) -> None:
    names = {
        b"caf\x82.txt": b"code page 437",
        b"caf\xc3\xa9.txt": b"utf-8",
        b"caf\\x82.txt": b"spelled",
        b"a\nb.txt": b"newline",
        b"a\\x0ab.txt": b"spelled newline",
        b"d/\x00hidden.txt": b"after a nul",
    }
    (tmp_path / "n.zip").write_bytes(_zip_with_raw_names(names))
    items = listing(tmp_path / "n.zip", tmp_path / "work")
    assert all(isinstance(item, Entry) for item in items)
    got = {decode_name(item.path).encode("utf-8", "surrogateescape"): read(item) for item in items}
    assert got == names


def test_tar_members_with_look_alike_names_are_all_read(tmp_path: Path) -> None:
    names = {
        b"a\nb.txt": b"newline",
        b"a\\x0ab.txt": b"spelled newline",
        b"c\x80d.txt": b"byte",
        b"c\\x80d.txt": b"spelled byte",
        b"e\\\\f.txt": b"two backslashes",
        b"e\\f.txt": b"one backslash",
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as archive:
        for raw, data in names.items():
            info = tarfile.TarInfo(os.fsdecode(raw))
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    (tmp_path / "n.tar").write_bytes(buffer.getvalue())
    items = listing(tmp_path / "n.tar", tmp_path / "work")
    assert all(isinstance(item, Entry) for item in items)
    assert {os.fsencode(decode_name(item.path)): read(item) for item in items} == names


def test_a_member_named_like_a_placeholder_is_not_hidden_by_a_nameless_one(
    tmp_path: Path,
) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as archive:
        for name, data in (("", b"nameless"), ("(empty)", b"named")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    (tmp_path / "n.tar").write_bytes(buffer.getvalue())
    items = listing(tmp_path / "n.tar", tmp_path / "work")
    assert len({(item.path, item.key) for item in items}) == 2
    (named,) = [item for item in items if isinstance(item, Entry)]
    assert named.path == "(empty)" and read(named) == b"named"


def test_7z_members_with_look_alike_names_are_all_read(tmp_path: Path) -> None:
    names = {"a\nb.txt": b"newline", "a\\x0ab.txt": b"spelled newline", "c\x7fd.txt": b"del"}
    write_7z(tmp_path / "n.7z", names)
    found = {}
    for item in enumerate_source(tmp_path / "n.7z", ArchiveLimits(), tmp_path / "work"):
        assert isinstance(item, Entry)
        found[decode_name(item.path)] = read(item)  # spilled members go when the listing ends
    # py7zr reads a backslash in a 7z name as a folder separator: a/x0ab.txt.
    assert found == {"a\nb.txt": b"newline", "a/x0ab.txt": b"spelled newline", "c\x7fd.txt": b"del"}
