"""Matching and lookups while another process holds the index's write lock: no wait, same result."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from matching_helpers import (
    csv_list,
    described,
    ingest_folder,
    new_case,
    pictures,
    robust_copies,
    write_folder,
)
from sqlalchemy import select

from vidi.config import Settings
from vidi.matching import import_hashlist, lookup_pdq, match_case
from vidi.matching.known_index import LOCK_FILE, KnownIndex
from vidi.matching.search_view import SearchView, open_for_search
from vidi.store.db import Database
from vidi.store.models import HashList, HashListEntry, Match

HOLD = """
import fcntl, sys
handle = open(sys.argv[1], "ab")
fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
print("locked", flush=True)
sys.stdin.read()
"""


@contextmanager
def write_lock_held_elsewhere(settings: Settings) -> Iterator[None]:
    """Another process holds the index's write lock until the block ends."""
    path = settings.index_dir / LOCK_FILE
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)


def all_matches(db: Database) -> list[tuple[str, str, int, str, float]]:
    with db.session() as session:
        return sorted(
            (m.media_sha256, m.kind, m.hashlist_entry_id or 0, m.other_sha256 or "", m.distance)
            for m in session.scalars(select(Match))
        )


def test_match_reads_a_view_while_the_index_is_locked_and_equals_an_uncontended_match(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    originals = pictures(11, 3)
    write_folder(tmp_path / "first", {f"o{i}": im for i, im in enumerate(originals)})
    listed, later = pictures(12, 2)
    new_case(db, "first", "second")
    ingest_folder(db, settings, "first", tmp_path / "first")
    [listed_pdq] = [d["pdq"] for d in described(settings, [_one(tmp_path, "l", listed)])]
    csv_list(tmp_path / "l1.csv", [{"pdq": listed_pdq, "category": "exploitive"}])
    import_hashlist(db, settings, tmp_path / "l1.csv", "l1")
    # The second case: copies of the first case's pictures (in the index), copies of a
    # listed picture, and copies of a picture no one has seen (only in the database).
    seizure = {
        **{f"a{name}": im for name, im in robust_copies(originals[0]).items()},
        **{f"b{name}": im for name, im in robust_copies(listed).items()},
        **{f"c{name}": im for name, im in robust_copies(later).items()},
    }
    write_folder(tmp_path / "second", seizure)
    [later_pdq] = [d["pdq"] for d in described(settings, [_one(tmp_path, "m", later)])]

    with write_lock_held_elsewhere(settings):
        outcome = ingest_folder(db, settings, "second", tmp_path / "second")
        assert outcome.match.deferred is None  # matched through the view, not put off
        # A list whose import committed its entries but waits for the lock to sync.
        with db.session() as session:
            late = HashList(name="l2", format="csv", file_sha256="0" * 64, entry_count=1)
            session.add(late)
            session.flush()
            session.add(HashListEntry(hashlist_id=late.id, pdq=later_pdq, category="csam"))
        with open_for_search(db, settings) as index:
            assert isinstance(index, SearchView)
        summary = match_case(db, settings, "second")
        contended = all_matches(db)
        looked_up = lookup_pdq(db, settings, later_pdq).hits  # lookups read the view too

    assert summary.deferred is None and summary.matches > 0
    kinds = {(kind, bool(entry), bool(other)) for _, kind, entry, other, _ in contended}
    assert {("pdq", True, False), ("pdq", False, True)} <= kinds
    with db.session() as session:
        late_id = session.scalar(select(HashListEntry.id).where(HashListEntry.pdq == later_pdq))
    assert any(entry == late_id for _, _, entry, _, _ in contended)  # the late list
    with KnownIndex.open(db, settings) as index:  # the writer's turn: it catches up
        assert not isinstance(index, SearchView)
    match_case(db, settings, "second")
    assert all_matches(db) == contended
    assert any(hit.entry_id == late_id for hit in looked_up)
    assert lookup_pdq(db, settings, later_pdq).hits == looked_up


def _one(tmp_path: Path, name: str, image: object) -> Path:
    return write_folder(tmp_path / f"only-{name}", {name: image})[name]  # type: ignore[dict-item]
