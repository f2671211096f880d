"""Every file of a saved index is checked on open: damage is refused, never answered from."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from vidi.index import IndexDamaged, PdqIndex


@pytest.fixture
def saved(tmp_path: Path, mixed_hashes: np.ndarray) -> Path:
    with PdqIndex.open(tmp_path, delta_rows=1000) as index:
        index.add(np.arange(len(mixed_hashes)), mixed_hashes)
        index.save()
    return tmp_path


def one(directory: Path, pattern: str) -> Path:
    return sorted(directory.glob(pattern))[0]


def invert_8_bytes(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 8] = bytes(b ^ 0xFF for b in data[middle : middle + 8])
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "pattern",
    ["g*.hashes.npy", "g*.ids.npy", "g*.deleted.npy", "g*.s0.directory.npy", "g*.s0.rows.npy"],
)
@pytest.mark.parametrize("map_tables", [False, True])
def test_a_file_with_8_inverted_bytes_fails_its_checksum(
    saved: Path, pattern: str, map_tables: bool
) -> None:
    path = one(saved, pattern)
    invert_8_bytes(path)
    with pytest.raises(IndexDamaged) as raised:
        PdqIndex.open(saved, map_tables=map_tables)
    assert str(raised.value) == f"{path.name} failed its checksum"


def test_a_truncated_file_is_refused_by_its_size(saved: Path) -> None:
    path = one(saved, "g*.ids.npy")
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(IndexDamaged, match=r"ids\.npy has 100 bytes, [\d,]+ were written"):
        PdqIndex.open(saved)


def test_a_missing_file_is_named(saved: Path) -> None:
    path = one(saved, "g*.s0.rows.npy")
    path.unlink()
    with pytest.raises(IndexDamaged, match=f"{path.name} is missing"):
        PdqIndex.open(saved)


@pytest.mark.parametrize("text", ["", "{garbage", "[1, 2]", '{"format": "something else"}'])
def test_an_unreadable_manifest_is_refused(saved: Path, text: str) -> None:
    (saved / "index.json").write_text(text)
    with pytest.raises(IndexDamaged, match=r"^index\.json "):
        PdqIndex.open(saved)


def test_a_manifest_edited_to_point_elsewhere_fails_its_own_checksum(saved: Path) -> None:
    manifest = json.loads((saved / "index.json").read_text())
    manifest["rows"] -= 1
    (saved / "index.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexDamaged, match=r"index\.json failed its checksum"):
        PdqIndex.open(saved)


def test_an_index_written_without_checksums_is_not_trusted(saved: Path) -> None:
    manifest = json.loads((saved / "index.json").read_text())
    old = {k: manifest[k] for k in ("format", "generation", "rows", "segments")}
    (saved / "index.json").write_text(json.dumps({**old, "version": 1}))
    with pytest.raises(IndexDamaged, match="without checksums"):
        PdqIndex.open(saved)


def test_a_refused_index_lets_go_of_its_directory(saved: Path) -> None:
    (saved / "index.json").write_text("{garbage")
    with pytest.raises(IndexDamaged):
        PdqIndex.open(saved)
    (saved / "index.json").unlink()
    with PdqIndex.open(saved) as fresh:  # no IndexLocked: the failed open released the lock
        assert len(fresh) == 0
