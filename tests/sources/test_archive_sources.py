"""Archives as sources and inside sources: ZIP, TAR (plain and compressed), 7z, nesting."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

from PIL import Image
from sources_helpers import (
    entries,
    listing,
    read,
    read_all,
    refusals,
    tar_bytes,
    write_7z,
    zip_bytes,
)

from vidi.config import ArchiveLimits
from vidi.sources.base import Entry
from vidi.sources.enumerate import enumerate_source, source_kind
from vidi.sources.names import encode_name


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_zip_source_members_have_empty_chain_and_read_back(tmp_path: Path) -> None:
    source = tmp_path / "seized.zip"
    source.write_bytes(zip_bytes({"a/one.txt": b"one", "two.png": _png(), "zero": b""}))
    found = entries(listing(source, tmp_path / "work"))
    assert set(found) == {((), "a/one.txt"), ((), "two.png"), ((), "zero")}
    assert read(found[((), "a/one.txt")]) == b"one"
    assert found[((), "two.png")].file_type is not None
    assert found[((), "two.png")].file_type.name == "png"
    assert found[((), "zero")].size == 0
    assert source_kind(source) == "archive"


def test_nested_zip_in_tar_gz_in_7z_is_fully_enumerated(tmp_path: Path) -> None:
    inner = zip_bytes({"leaf.txt": b"leaf"})
    tarball = tar_bytes({"z/inner.zip": inner, "z/note.txt": b"note"}, "w:gz")
    source = write_7z(tmp_path / "seized.7z", {"t/pack.tar.gz": tarball, "top.txt": b"top"})
    contents: dict[tuple[tuple[str, ...], str], bytes] = {}
    for item in enumerate_source(source, ArchiveLimits(), tmp_path / "work"):
        assert isinstance(item, Entry), item
        contents[(item.archive_chain, item.path)] = read(item)
    assert contents == {
        ((), "t/pack.tar.gz"): tarball,
        ((), "top.txt"): b"top",
        (("t/pack.tar.gz",), "z/inner.zip"): inner,
        (("t/pack.tar.gz",), "z/note.txt"): b"note",
        (("t/pack.tar.gz", "z/inner.zip"), "leaf.txt"): b"leaf",
    }


def test_depth_limit_refuses_deeper_archives_but_records_them(tmp_path: Path) -> None:
    inner = zip_bytes({"leaf.txt": b"leaf"})
    tarball = tar_bytes({"z/inner.zip": inner}, "w:gz")
    source = write_7z(tmp_path / "seized.7z", {"t/pack.tar.gz": tarball})
    items = listing(source, tmp_path / "work", ArchiveLimits(max_depth=2))
    assert (("t/pack.tar.gz",), "z/inner.zip") in entries(items)
    refused = refusals(items)[(("t/pack.tar.gz",), "z/inner.zip")]
    assert refused.reason == "too-deep"
    assert not any(i.archive_chain[1:] for i in items)


def test_compressed_tar_is_opened_by_content_whatever_its_name(tmp_path: Path) -> None:
    for mode in ("w:gz", "w:bz2", "w:xz"):
        source = tmp_path / f"holiday-{mode[2:]}.jpg"
        source.write_bytes(tar_bytes({"inside.txt": mode.encode()}, mode))
        assert read_all(source, tmp_path / "work") == {((), "inside.txt"): mode.encode()}


def test_single_compressed_file_yields_the_file_inside(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "photo.png.gz").write_bytes(gzip.compress(_png()))
    found = read_all(tmp_path / "src", tmp_path / "work")
    assert found[(("photo.png.gz",), "photo.png")] == _png()
    inside = entries(listing(tmp_path / "src", tmp_path / "work"))[(("photo.png.gz",), "photo.png")]
    assert inside.file_type is not None and inside.file_type.name == "png"


def test_unsupported_archive_is_recorded_and_refused(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "old.rar").write_bytes(b"Rar!\x1a\x07\x00" + bytes(100))
    items = listing(tmp_path / "src", tmp_path / "work")
    assert ((), "old.rar") in entries(items)
    assert refusals(items)[((), "old.rar")].reason == "unsupported-archive"


def test_spilled_files_are_gone_after_enumeration(tmp_path: Path) -> None:
    source = write_7z(tmp_path / "s.7z", {"a.zip": zip_bytes({"b.txt": b"b"}), "c": b"c"})
    work = tmp_path / "work"
    spills = 0
    for _item in enumerate_source(source, ArchiveLimits(), work):
        spills = max(spills, sum(1 for p in work.rglob("spill-*")))
    assert spills >= 2
    assert list(work.iterdir()) == []


def test_generator_closed_early_cleans_up(tmp_path: Path) -> None:
    source = write_7z(tmp_path / "s.7z", {"a.txt": b"a", "b.txt": b"b"})
    work = tmp_path / "work"
    items = enumerate_source(source, ArchiveLimits(), work)
    first = next(items)
    assert isinstance(first, Entry) and read(first) == b"a"
    assert any(work.rglob("spill-*"))
    items.close()
    assert list(work.iterdir()) == []


def test_entries_keep_archive_order_and_plain_tar_is_read_in_place(tmp_path: Path) -> None:
    source = tmp_path / "plain.tar"
    source.write_bytes(tar_bytes({"b.txt": b"bee", "a.txt": b"ay", "c/d.txt": b"dee"}))
    work = tmp_path / "work"
    seen = []
    for item in enumerate_source(source, ArchiveLimits(), work):
        assert isinstance(item, Entry)
        seen.append((item.path, read(item)))
        assert not any(work.rglob("spill-*"))
    assert seen == [("b.txt", b"bee"), ("a.txt", b"ay"), ("c/d.txt", b"dee")]


def test_tar_with_long_and_undecodable_names_keeps_them(tmp_path: Path) -> None:
    long_name = "/".join(["folder"] * 700) + "/f.txt"
    buffer = io.BytesIO()
    with tarfile.open(
        fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT, errors="surrogateescape"
    ) as archive:
        for name in (long_name, "caf\udce9.txt"):
            info = tarfile.TarInfo(name)
            info.size = 1
            archive.addfile(info, io.BytesIO(b"x"))
    (tmp_path / "names.tar").write_bytes(buffer.getvalue())
    found = entries(listing(tmp_path / "names.tar", tmp_path / "work"))
    assert len(long_name) > 4096
    assert set(found) == {((), long_name), ((), "caf\\xe9.txt")}
    for _chain, path in found:
        path.encode("utf-8")


def test_control_characters_and_broken_utf16_in_names_become_escapes() -> None:
    assert encode_name("a\x00b\nc") == "a\\x00b\\x0ac"
    assert encode_name("x\ud800y") == "x\\ud800y"
    assert encode_name("caf\udce9") == "caf\\xe9"
    assert encode_name("plain/ünï.txt") == "plain/ünï.txt"
