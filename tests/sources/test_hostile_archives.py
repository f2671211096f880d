"""Hostile archives: every case is refused with a reason and the listing goes on."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest
from sources_helpers import (
    add_tar_file,
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
from vidi.errors import SourceError
from vidi.sources.base import Entry, Refused
from vidi.sources.enumerate import enumerate_source
from vidi.sources.streams import EntryReadError, LimitedReader


def _source(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _reasons(items: list[Entry | Refused]) -> dict[str, str]:
    return {i.path: i.reason for i in items if isinstance(i, Refused)}


def test_zip_entry_outside_source_is_refused(tmp_path: Path) -> None:
    data = zip_bytes(
        {"../up.txt": b"x", "/etc/abs.txt": b"x", "a/../../b.txt": b"x", "..\\win.txt": b"x"}
        | {"C:/drive.txt": b"x", "ok/fine.txt": b"fine"}
    )
    items = listing(_source(tmp_path, "t.zip", data), tmp_path / "work")
    reasons = _reasons(items)
    assert set(reasons.values()) == {"path-traversal"}
    assert len(reasons) == 5
    assert set(entries(items)) == {((), "ok/fine.txt")}


def test_tar_entry_outside_source_is_refused(tmp_path: Path) -> None:
    data = tar_bytes({"../up.txt": b"x", "/abs.txt": b"x", "ok.txt": b"ok"})
    items = listing(_source(tmp_path, "t.tar", data), tmp_path / "work")
    assert _reasons(items) == {"../up.txt": "path-traversal", "/abs.txt": "path-traversal"}
    assert set(entries(items)) == {((), "ok.txt")}


def test_zip_symlink_is_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("link")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
        archive.writestr("ok.txt", b"ok")
    items = listing(_source(tmp_path, "l.zip", buffer.getvalue()), tmp_path / "work")
    assert _reasons(items) == {"link": "symlink"}
    assert ((), "ok.txt") in entries(items)


def test_tar_links_and_special_files_are_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        add_tar_file(archive, "real.txt", b"real")
        for name, kind in [
            ("soft", tarfile.SYMTYPE),
            ("hard", tarfile.LNKTYPE),
            ("pipe", tarfile.FIFOTYPE),
            ("tty", tarfile.CHRTYPE),
            ("disk", tarfile.BLKTYPE),
        ]:
            info = tarfile.TarInfo(name)
            info.type = kind
            info.linkname = "real.txt" if kind in (tarfile.SYMTYPE, tarfile.LNKTYPE) else ""
            archive.addfile(info)
        add_tar_file(archive, "after.txt", b"after")
    items = listing(_source(tmp_path, "s.tar", buffer.getvalue()), tmp_path / "work")
    assert _reasons(items) == {
        "soft": "symlink",
        "hard": "hardlink",
        "pipe": "special-file",
        "tty": "special-file",
        "disk": "special-file",
    }
    assert set(entries(items)) == {((), "real.txt"), ((), "after.txt")}


def _set_encrypted_flag(data: bytes) -> bytes:
    """Set general-purpose bit 0 (encrypted) in every local and central header."""
    patched = bytearray(data)
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = patched.find(signature)
        while start != -1:
            patched[start + flag_at] |= 0x01
            start = patched.find(signature, start + 4)
    return bytes(patched)


def test_encrypted_zip_entry_is_refused(tmp_path: Path) -> None:
    data = _set_encrypted_flag(zip_bytes({"secret.txt": b"secret"}))
    items = listing(_source(tmp_path, "e.zip", data), tmp_path / "work")
    assert _reasons(items) == {"secret.txt": "encrypted"}


@pytest.mark.parametrize("header_encrypted", [False, True])
def test_password_protected_7z_is_refused(tmp_path: Path, header_encrypted: bool) -> None:
    import py7zr

    path = tmp_path / "p.7z"
    with py7zr.SevenZipFile(path, "w", password="benign-password") as archive:
        archive.set_encrypted_header(header_encrypted)
        archive.writestr(b"hidden", "hidden.txt")
    items = listing(path, tmp_path / "work")
    assert [(i.path, i.reason) for i in items if isinstance(i, Refused)] == [("", "encrypted")]
    assert not entries(items)


def test_zip_bomb_by_ratio_is_refused(tmp_path: Path) -> None:
    data = zip_bytes({"zeros.bin": bytes(200_000), "small.txt": b"small"})
    limits = ArchiveLimits(max_ratio=50, ratio_floor_bytes=10_000)
    items = listing(_source(tmp_path, "bomb.zip", data), tmp_path / "work", limits)
    assert _reasons(items) == {"zeros.bin": "zip-bomb"}
    assert ((), "small.txt") in entries(items)


def test_small_entries_are_never_refused_for_ratio(tmp_path: Path) -> None:
    data = zip_bytes({"zeros.bin": bytes(200_000)})
    limits = ArchiveLimits(max_ratio=50, ratio_floor_bytes=1_000_000)
    assert _reasons(listing(_source(tmp_path, "z.zip", data), tmp_path / "w", limits)) == {}


def test_entry_bigger_than_limit_is_refused(tmp_path: Path) -> None:
    data = zip_bytes({"big.bin": b"b" * 5000, "ok.bin": b"o" * 50})
    limits = ArchiveLimits(max_entry_bytes=1000)
    items = listing(_source(tmp_path, "big.zip", data), tmp_path / "work", limits)
    assert _reasons(items) == {"big.bin": "entry-too-large"}


def test_total_expanded_bytes_over_limit_are_refused_across_nesting(tmp_path: Path) -> None:
    inner = zip_bytes({"i1.bin": b"1" * 3000, "i2.bin": b"2" * 3000}, zipfile.ZIP_STORED)
    data = zip_bytes({"a.bin": b"a" * 3000, "inner.zip": inner})
    limits = ArchiveLimits(max_total_bytes=14_000)
    items = listing(_source(tmp_path, "t.zip", data), tmp_path / "work", limits)
    refused = refusals(items)
    assert list(refused) == [(("inner.zip",), "i2.bin")]
    assert refused[(("inner.zip",), "i2.bin")].reason == "total-too-large"


def test_too_many_entries_stops_the_archive_with_one_refusal(tmp_path: Path) -> None:
    data = zip_bytes({f"f{n}.txt": b"x" for n in range(10)})
    limits = ArchiveLimits(max_entries=3)
    items = listing(_source(tmp_path, "many.zip", data), tmp_path / "work", limits)
    assert len(entries(items)) == 3
    assert [(i.path, i.reason) for i in items if isinstance(i, Refused)] == [
        ("", "too-many-entries")
    ]


def _patch_declared_size(data: bytes, true_size: int, lie: int) -> bytes:
    patched = bytearray(data)
    for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = patched.find(signature)
        assert int.from_bytes(patched[start + size_at : start + size_at + 4], "little") == true_size
        patched[start + size_at : start + size_at + 4] = lie.to_bytes(4, "little")
    return bytes(patched)


def test_zip_member_larger_than_declared_is_refused_as_corrupt(tmp_path: Path) -> None:
    payload = bytes(range(256)) * 40
    data = _patch_declared_size(zip_bytes({"liar.bin": payload}), len(payload), 1000)
    (refused,) = listing(_source(tmp_path, "liar.zip", data), tmp_path / "work")
    assert isinstance(refused, Refused)
    assert (refused.path, refused.reason) == ("liar.bin", "corrupt-archive")
    assert "CRC" in refused.detail


def test_limited_reader_stops_a_stream_that_passes_its_limit() -> None:
    stream = LimitedReader(io.BytesIO(bytes(10_000)), 4096, "zip-bomb", "member")
    assert len(stream.read(4096)) == 4096
    with pytest.raises(SourceError) as caught:
        stream.read(4096)
    assert isinstance(caught.value, EntryReadError) and caught.value.reason == "zip-bomb"


def test_corrupt_member_data_raises_source_error_when_read(tmp_path: Path) -> None:
    payload = bytes(range(256)) * 40
    data = bytearray(zip_bytes({"bad.bin": payload}, zipfile.ZIP_STORED))
    data[data.find(payload) + 5000] ^= 0xFF
    source = _source(tmp_path, "crc.zip", bytes(data))
    for item in enumerate_source(source, ArchiveLimits(), tmp_path / "work"):
        assert isinstance(item, Entry)
        with pytest.raises(SourceError):
            read(item)


def test_garbage_archive_is_refused_as_corrupt(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "broken.zip").write_bytes(b"PK\x03\x04" + bytes(range(200)))
    (tmp_path / "src" / "broken.7z").write_bytes(b"7z\xbc\xaf\x27\x1c" + bytes(200))
    (tmp_path / "src" / "fine.txt").write_bytes(b"fine")
    items = listing(tmp_path / "src", tmp_path / "work")
    assert _reasons(items) == {"broken.zip": "corrupt-archive", "broken.7z": "corrupt-archive"}
    assert len(entries(items)) == 3


def test_truncated_tar_yields_what_was_readable_then_refuses(tmp_path: Path) -> None:
    data = tar_bytes({"one.bin": b"1" * 1000, "two.bin": b"2" * 1000, "three.bin": b"3" * 10})
    cut = data.find(b"2" * 1000) + 300
    found = read_all(_source(tmp_path, "cut.tar", data[:cut]), tmp_path / "work")
    assert found[((), "one.bin")] == b"1" * 1000
    refused = found[((), "two.bin")]
    assert isinstance(refused, Refused) and refused.reason == "corrupt-archive"
    assert len(found) == 2


def test_tar_cut_inside_a_header_is_refused_after_readable_members(tmp_path: Path) -> None:
    data = tar_bytes({"one.bin": b"1" * 512, "two.bin": b"2" * 512})
    found = read_all(_source(tmp_path, "cut.tar", data[: 1024 + 200]), tmp_path / "work")
    assert found[((), "one.bin")] == b"1" * 512
    refused = found[((), "")]
    assert isinstance(refused, Refused) and refused.reason == "corrupt-archive"


def test_truncated_tar_gz_yields_what_was_readable_then_refuses(tmp_path: Path) -> None:
    members = {f"f{n}.bin": bytes([n]) * 20_000 for n in range(20)}
    members |= {"noise.bin": bytes(range(256)) * 400}
    data = tar_bytes(members, "w:gz")
    found = read_all(_source(tmp_path, "cut.tgz", data[: len(data) // 2]), tmp_path / "work")
    assert found[((), "f0.bin")] == bytes([0]) * 20_000
    refused = found[((), "")]
    assert isinstance(refused, Refused) and refused.reason == "corrupt-archive"


def test_truncated_7z_is_refused_not_raised(tmp_path: Path) -> None:
    path = write_7z(tmp_path / "full.7z", {"a.bin": bytes(range(256)) * 100})
    cut = _source(tmp_path, "cut.7z", path.read_bytes()[:-40])
    items = listing(cut, tmp_path / "work")
    assert [i.reason for i in items if isinstance(i, Refused)] == ["corrupt-archive"]


def test_gzip_bomb_is_stopped_while_streaming(tmp_path: Path) -> None:
    import gzip

    data = gzip.compress(bytes(3_000_000))
    limits = ArchiveLimits(max_ratio=20, ratio_floor_bytes=100_000)
    items = listing(_source(tmp_path, "zeros.gz", data), tmp_path / "work", limits)
    assert [(i.path, getattr(i, "reason", None)) for i in items] == [("zeros", "zip-bomb")]


def test_undecodable_zip_name_is_kept_as_its_bytes(tmp_path: Path) -> None:
    data = zip_bytes({"cafX.txt": b"x"}).replace(b"cafX", b"caf\xe9")
    found = entries(listing(_source(tmp_path, "n.zip", data), tmp_path / "work"))
    assert list(found) == [((), "caf\\xe9.txt")]


def test_very_long_zip_name_is_kept(tmp_path: Path) -> None:
    name = "d/" * 2500 + "f.txt"
    found = entries(listing(_source(tmp_path, "l.zip", zip_bytes({name: b"x"})), tmp_path / "w"))
    assert list(found) == [((), name)]


def test_duplicate_member_name_is_refused_once_read_once(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive, pytest.warns(UserWarning):
        archive.writestr("same.txt", b"first")
        archive.writestr("same.txt", b"second")
    found = read_all(_source(tmp_path, "d.zip", buffer.getvalue()), tmp_path / "work")
    refused = found[((), "same.txt")]
    assert isinstance(refused, Refused) and refused.reason == "duplicate-name"


def test_hostile_member_does_not_stop_a_folder_listing(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.zip").write_bytes(zip_bytes({"../x": b"x"}))
    (tmp_path / "src" / "b.txt").write_bytes(b"b")
    items = listing(tmp_path / "src", tmp_path / "work")
    assert [(i.archive_chain, i.path) for i in items] == [
        ((), "a.zip"),
        (("a.zip",), "../x"),
        ((), "b.txt"),
    ]
