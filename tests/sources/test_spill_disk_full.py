"""A full disk while spilling a nested archive stops the run instead of losing the entry."""

from __future__ import annotations

import errno
import io
import zipfile
from pathlib import Path

import pytest

from vidi.config import ArchiveLimits
from vidi.errors import StorageFull
from vidi.sources import enumerate as enumeration
from vidi.sources.base import Refused


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _nested(tmp_path: Path) -> Path:
    inner = _zip({"note.txt": b"benign text " * 200})
    outer = tmp_path / "outer.zip"
    outer.write_bytes(_zip({"inner.zip": inner, "other.txt": b"more text"}))
    return outer


def test_a_nested_archive_that_cannot_be_spilled_for_lack_of_space_stops_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outer = _nested(tmp_path)

    def full(stream: object, target: Path) -> int:
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(enumeration, "copy_to_file", full)
    with pytest.raises(StorageFull, match="No space left on device"):
        list(enumeration.enumerate_source(outer, ArchiveLimits(), tmp_path / "work"))


def test_other_spill_failures_are_still_recorded_as_refused_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outer = _nested(tmp_path)

    def broken(stream: object, target: Path) -> int:
        raise OSError(errno.EIO, "Input/output error", str(target))

    monkeypatch.setattr(enumeration, "copy_to_file", broken)
    items = list(enumeration.enumerate_source(outer, ArchiveLimits(), tmp_path / "work"))
    refused = [item for item in items if isinstance(item, Refused)]
    assert refused and all(item.reason == "unreadable" for item in refused)
