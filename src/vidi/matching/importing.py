"""``vidi hashlist import``: a hash list into the database, whole or not at all.

Entries stream from the reader into ``hashlist_entry`` in batches of ``BATCH`` rows,
all in one transaction: memory stays flat for a list of ten million rows, and a
malformed record anywhere rolls everything back, leaving the previous version (if any)
untouched. A list is known by its name; the same name with the same file SHA-256 is a
no-op, a different SHA-256 replaces the entries. After the commit the PDQ index learns
the new entries and media already in the database are matched against the list.

That matching is recorded as pending (``hashlist.matched_at`` NULL) in the import's own
transaction and cleared once it finishes, so a process killed in between loses
nothing: the next import, ingest or match finishes every pending list first
(:func:`finish_pending_matches`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Connection, delete, select, update
from sqlalchemy.orm import Session

from vidi import audit
from vidi.config import Settings
from vidi.errors import HashListError
from vidi.hashlists import FORMATS, KnownEntry, detect_format, read_hashlist
from vidi.hashlists.registry import hash_list_format
from vidi.index import IndexLocked
from vidi.matching.known_index import KnownIndex
from vidi.matching.listmatch import match_hashlist
from vidi.notices import notice
from vidi.progress import CountProgress, NoCountProgress
from vidi.results import jsonable
from vidi.store.db import Database
from vidi.store.models import HashList, HashListEntry, utcnow

BATCH = 10_000
BATCH_BYTES = 32 << 20
"""A batch of rows is also sent once its notes and extras reach this many characters."""
_READ_BLOCK = 1 << 20


@dataclass(frozen=True)
class FinishedMatch:
    """A list whose matching an interrupted run left pending, matched now."""

    name: str
    matches: int


@dataclass(frozen=True)
class ImportResult:
    """What an import did: ``status`` is imported, replaced or unchanged.

    ``finished`` names the lists (perhaps this one) whose matching an earlier,
    interrupted run left pending and this import finished first.
    """

    hashlist_id: int
    name: str
    format: str
    file_sha256: str
    status: str
    entries: int
    replaced_entries: int
    ignorable: bool
    indexed: int
    matches: int
    finished: tuple[FinishedMatch, ...] = ()
    warnings: tuple[str, ...] = ()
    """What the list lacks that matching needs (no perceptual hashes at all)."""

    def to_dict(self) -> dict[str, Any]:
        return jsonable(self)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class HashListInfo:
    id: int
    name: str
    format: str
    entries: int
    ignorable: bool
    file_sha256: str
    imported_at: str

    def to_dict(self) -> dict[str, Any]:
        return jsonable(self)  # type: ignore[no-any-return]


def file_facts(path: Path, format: str) -> tuple[str, int | None]:
    """The file's SHA-256 and, for line formats, its line count (the progress bar's total)."""
    digest, lines = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while block := handle.read(_READ_BLOCK):
            digest.update(block)
            lines += block.count(b"\n")
    chosen = hash_list_format(format)
    header = chosen.header_lines if chosen is not None else None
    total = None if header is None else max(0, lines - header)
    return digest.hexdigest(), total


def import_hashlist(
    db: Database,
    settings: Settings,
    path: Path,
    name: str,
    format: str | None = None,
    progress: CountProgress | None = None,
    match: bool = True,
) -> ImportResult:
    """Import (or replace, or skip) the list; raises HashListError naming the bad record."""
    path = Path(path)
    if not path.is_file():
        raise HashListError(f"{path} is not a file")
    if format is not None and format not in FORMATS:
        raise HashListError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
    chosen = format or detect_format(path)
    sha256, total = file_facts(path, chosen)
    with db.session() as session:
        current = session.scalar(select(HashList.file_sha256).where(HashList.name == name))
    replacing = current is not None and current != sha256  # its pending match is moot
    finished = finish_pending_matches(db, settings, skip=name if replacing else None)
    with db.session() as session:
        existing = session.scalars(select(HashList).where(HashList.name == name)).first()
        if existing is not None and existing.file_sha256 == sha256:
            audit.record(session, "hashlist.import", f"hashlist:{name}", {"status": "unchanged"})
            return _result(existing, "unchanged", 0, 0, 0, finished)
        old_count = existing.entry_count if existing is not None else 0
        progress = progress or NoCountProgress()
        progress.start(total)
        try:
            hashlist, old_ids = _prepare(session, existing, name, chosen, sha256)
            entries = _Counted(read_hashlist(path, chosen))
            count = _insert_entries(session, hashlist.id, entries, progress)
        finally:
            progress.finish()
        hashlist.entry_count = count
        warnings = _warnings(hashlist, entries.perceptual)
        status = "replaced" if existing is not None else "imported"
        audit.record(
            session,
            "hashlist.import",
            f"hashlist:{name}",
            {"status": status, "format": chosen, "sha256": sha256, "entries": count},
        )
    indexed, matches = _after_commit(
        db, settings, hashlist.id, existing is not None, old_ids, match
    )
    if match:
        _mark_matched(db, hashlist.id, hashlist.imported_at)
    for warning in warnings:
        notice(warning)
    return _result(hashlist, status, old_count, indexed, matches, finished, warnings)


class _Counted:
    """The entries of a list as they stream by, counting those with a perceptual hash."""

    def __init__(self, entries: Iterable[KnownEntry]) -> None:
        self._entries = entries
        self.perceptual = 0

    def __iter__(self) -> Iterator[KnownEntry]:
        for entry in self._entries:
            self.perceptual += entry.pdq is not None
            yield entry


def _warnings(hashlist: HashList, perceptual: int) -> tuple[str, ...]:
    """Say so when a list that is not an ignore list has no PDQ hash at all.

    Such a list finds exact copies only: a resized or re-encoded copy of a listed
    picture is not found, and nothing else would tell the investigator.
    """
    if hashlist.ignorable or not hashlist.entry_count or perceptual:
        return ()
    return (
        f"hash list {hashlist.name!r} has no perceptual (PDQ) hashes: only exact copies "
        "(MD5, SHA-1, SHA-256) will match, resized or re-encoded copies will not be found",
    )


def _prepare(
    session: Session, existing: HashList | None, name: str, format: str, sha256: str
) -> tuple[HashList, np.ndarray]:
    """The list row to fill; a replaced list's old entries are deleted (their PDQ ids kept)."""
    ignorable = format == "nsrl"
    if existing is None:
        hashlist = HashList(name=name, format=format, file_sha256=sha256, ignorable=ignorable)
        session.add(hashlist)
        session.flush()
        return hashlist, np.zeros(0, dtype=np.int64)
    old_ids = np.fromiter(
        session.scalars(
            select(HashListEntry.id).where(
                HashListEntry.hashlist_id == existing.id, HashListEntry.pdq.is_not(None)
            )
        ),
        dtype=np.int64,
    )
    session.execute(delete(HashListEntry).where(HashListEntry.hashlist_id == existing.id))
    existing.format, existing.file_sha256 = format, sha256
    existing.ignorable, existing.imported_at = ignorable, utcnow()
    existing.matched_at = None  # committed with the entries: pending until matched
    return existing, old_ids


ENTRY_COLUMNS = "hashlist_id, md5, sha1, sha256, pdq, category, note, extra"


def _insert_entries(
    session: Session, hashlist_id: int, entries: Iterable[KnownEntry], progress: CountProgress
) -> int:
    """Stream the entries into ``hashlist_entry`` inside the session's transaction.

    Each entry becomes its row tuple at once and is let go; rows go out in batches of
    ``BATCH`` rows or ``BATCH_BYTES`` of text, whichever comes first, so memory stays
    bounded even when every record is as large as the reader's limits allow. PostgreSQL
    takes them with ``COPY`` (one stream for the whole list, about ten times the rows per
    second of a pipelined ``executemany``); SQLite with a plain DB-API ``executemany``.
    Either way the rows commit with the list or not at all.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return _copy_entries(connection, hashlist_id, entries, progress)
    statement = f"INSERT INTO hashlist_entry ({ENTRY_COLUMNS}) VALUES ({', '.join(['?'] * 8)})"
    count = 0
    for rows in _entry_batches(hashlist_id, entries):
        connection.exec_driver_sql(statement, rows)
        count += len(rows)
        progress.advance(len(rows))
    return count


def _copy_entries(
    connection: Connection,
    hashlist_id: int,
    entries: Iterable[KnownEntry],
    progress: CountProgress,
) -> int:
    """``COPY … FROM STDIN`` on the session's own connection (same transaction)."""
    driver = connection.connection.driver_connection
    assert driver is not None
    count = 0
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY hashlist_entry ({ENTRY_COLUMNS}) FROM STDIN") as copy,
    ):
        for rows in _entry_batches(hashlist_id, entries):
            for row in rows:
                copy.write_row(row)
            count += len(rows)
            progress.advance(len(rows))
    return count


def _entry_batches(
    hashlist_id: int, entries: Iterable[KnownEntry]
) -> Iterator[list[tuple[object, ...]]]:
    """Row tuples in batches of ``BATCH`` rows or ``BATCH_BYTES`` of notes and extras."""
    size = 0
    rows: list[tuple[object, ...]] = []
    for e in entries:
        extra = json.dumps(e.extra) if e.extra else None
        rows.append((hashlist_id, e.md5, e.sha1, e.sha256, e.pdq, e.category, e.note, extra))
        size += len(extra or "") + len(e.note or "")
        if len(rows) >= BATCH or size >= BATCH_BYTES:
            yield rows
            rows, size = [], 0
    if rows:
        yield rows


def _after_commit(
    db: Database,
    settings: Settings,
    hashlist_id: int,
    replaced: bool,
    old_ids: np.ndarray,
    match: bool,
) -> tuple[int, int]:
    """Bring the index up to date with the list, then match stored media against it."""
    with KnownIndex.open(db, settings, sync=False) as index:
        if replaced:
            with db.session() as session:
                index.replace_list(session, hashlist_id, old_ids)
        before = len(index)
        index.sync(db)
        indexed = len(index) - before
        matches = match_hashlist(db, index, settings, hashlist_id) if match else 0
    return indexed, matches


def finish_pending_matches(
    db: Database, settings: Settings, skip: str | None = None
) -> tuple[FinishedMatch, ...]:
    """Match stored media against every list whose matching is pending; say so in one line.

    A list is pending from its import's commit until its matching finishes, so this
    finds the work a killed import left undone. ``skip`` names a list about to be
    replaced. Matching again is idempotent (inserts ignore duplicates), so a list
    finished twice by two runs at once costs time, not correctness.
    """
    with db.session() as session:
        query = select(HashList.id, HashList.name, HashList.imported_at).where(
            HashList.matched_at.is_(None)
        )
        pending = list(session.execute(query.order_by(HashList.id)))
    pending = [p for p in pending if p.name != skip]
    if not pending:
        return ()
    finished = []
    try:
        opened = KnownIndex.open(db, settings, sync=False)
    except IndexLocked as exc:
        names = ", ".join(repr(p.name) for p in pending)
        notice(f"hash lists {names} still wait for matching ({exc}); the next run finishes them")
        return ()
    with opened as index:
        index.sync(db)
        for list_id, name, imported_at in pending:
            matches = match_hashlist(db, index, settings, list_id)
            _mark_matched(db, list_id, imported_at)
            finished.append(FinishedMatch(name, matches))
    lists = ", ".join(f"{f.name!r} ({f.matches:,} matches)" for f in finished)
    notice(f"finished matching stored media against hash lists an interrupted run left: {lists}")
    return tuple(finished)


def _mark_matched(db: Database, hashlist_id: int, imported_at: datetime) -> None:
    """Record the list's matching as done, unless a newer version replaced it meanwhile."""
    with db.session() as session:
        session.execute(
            update(HashList)
            .where(HashList.id == hashlist_id, HashList.imported_at == imported_at)
            .values(matched_at=utcnow())
        )


def _result(
    hashlist: HashList,
    status: str,
    replaced: int,
    indexed: int,
    matches: int,
    finished: tuple[FinishedMatch, ...] = (),
    warnings: tuple[str, ...] = (),
) -> ImportResult:
    return ImportResult(
        hashlist_id=hashlist.id,
        name=hashlist.name,
        format=hashlist.format,
        file_sha256=hashlist.file_sha256,
        status=status,
        entries=hashlist.entry_count,
        replaced_entries=replaced,
        ignorable=hashlist.ignorable,
        indexed=indexed,
        matches=matches,
        finished=finished,
        warnings=warnings,
    )


def list_hashlists(session: Session) -> list[HashListInfo]:
    return [
        HashListInfo(
            id=h.id,
            name=h.name,
            format=h.format,
            entries=h.entry_count,
            ignorable=h.ignorable,
            file_sha256=h.file_sha256,
            imported_at=h.imported_at.isoformat(timespec="seconds"),
        )
        for h in session.scalars(select(HashList).order_by(HashList.id))
    ]
