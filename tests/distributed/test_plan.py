"""A job's chunks, run one by one, list exactly the entries a local run lists."""

from __future__ import annotations

from pathlib import Path

from vidi.config import ArchiveLimits
from vidi.distributed.plan import ingest_chunks, listed_items
from vidi.sources.base import Entry, Refused
from vidi.sources.enumerate import enumerate_listed, enumerate_source


def places(items: list[Entry | Refused]) -> list[tuple[str, tuple[str, ...], str]]:
    return sorted(
        (i.path, i.archive_chain, i.reason if isinstance(i, Refused) else "file") for i in items
    )


def test_chunks_list_the_same_entries_as_the_whole_source(seizure: Path, tmp_path: Path) -> None:
    limits = ArchiveLimits()
    whole = list(enumerate_source(seizure, limits, tmp_path / "a"))
    chunks = list(ingest_chunks(seizure, 4))
    parts: list[Entry | Refused] = []
    for chunk in chunks:
        assert chunk.entries is not None
        items = listed_items(seizure, chunk.entries)
        parts.extend(enumerate_listed(items, limits, tmp_path / "b"))
    assert places(parts) == places(whole)
    assert any(isinstance(i, Refused) and i.reason == "symlink" for i in parts)
    assert any(i.archive_chain == ("dir2/pack.zip",) for i in parts)


def test_an_archive_in_a_folder_is_a_chunk_of_its_own(seizure: Path) -> None:
    chunks = list(ingest_chunks(seizure, 4))
    archives = [c for c in chunks if c.entries == [{"path": "dir2/pack.zip"}]]
    assert len(archives) == 1
    assert all(len(c.entries or []) <= 4 for c in chunks)
    assert sum(c.files for c in chunks) == 41  # files on disk, the link included


def test_a_source_that_is_one_file_is_one_chunk_of_the_whole_source(seizure: Path) -> None:
    archive = seizure / "dir2" / "pack.zip"
    (chunk,) = ingest_chunks(archive, 4)
    assert chunk.entries is None and chunk.source == str(archive)
    assert chunk.bytes == archive.stat().st_size


def test_the_plan_is_the_same_each_time(seizure: Path) -> None:
    assert list(ingest_chunks(seizure, 3)) == list(ingest_chunks(seizure, 3))
