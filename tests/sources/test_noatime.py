"""Evidence is opened with O_NOATIME, and a refusal of it is counted, not hidden."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from vidi.sources import streams

OLD = 1_577_836_800


def aged(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    os.utime(path, (OLD, path.stat().st_mtime))
    return path


def test_reading_and_copying_evidence_keeps_its_access_time(tmp_path: Path) -> None:
    control = aged(tmp_path / "control", b"x" * 10)
    control.read_bytes()
    if control.stat().st_atime == OLD:
        pytest.skip("this filesystem does not record access times (noatime mount)")
    original = aged(tmp_path / "original", b"evidence" * 1000)
    before = streams.noatime_refusals()

    assert streams.read_evidence(original) == b"evidence" * 1000
    assert streams.copy_evidence(original, tmp_path / "copy") == 8000

    assert (tmp_path / "copy").read_bytes() == original.read_bytes()
    os.utime(original, (OLD, original.stat().st_mtime))  # the check above read it plainly
    with streams.open_noatime(original) as handle:
        handle.read()
    assert original.stat().st_atime == OLD
    assert streams.noatime_refusals() == before


def test_a_refused_noatime_falls_back_to_a_plain_read_and_is_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = aged(tmp_path / "original", b"evidence")
    real_open = os.open

    def refuse_noatime(path, flags, *args, **kwargs):  # type: ignore[no-untyped-def]
        if flags & os.O_NOATIME:
            raise PermissionError(errno.EPERM, "Operation not permitted", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse_noatime)
    before = streams.noatime_refusals()

    assert streams.read_evidence(original) == b"evidence"
    assert streams.noatime_refusals() == before + 1


def test_other_open_errors_are_not_mistaken_for_a_refused_noatime(tmp_path: Path) -> None:
    before = streams.noatime_refusals()
    with pytest.raises(FileNotFoundError):
        streams.open_noatime(tmp_path / "missing")
    assert streams.noatime_refusals() == before
