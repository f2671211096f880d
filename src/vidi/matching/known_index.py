"""The PDQ index of everything known, kept in step with the database.

The index (:mod:`vidi.index`) is a derived cache of three tables: image media, video
frames and hash-list entries that have a PDQ hash. Beside it, ``sync.json`` records what
was added: the row count, per hash list its file SHA-256 and entry count, for frames
the highest id and count, for media the count and the newest ``first_seen_at``. On open
this is compared with a few cheap queries and what is missing is added. Anything that
cannot be explained (a crash between an index change and the state file, a hash list
replaced behind the index's back, rows that vanished) rebuilds the index from the
database. Every change to the index is made first, the state file written after, so a
crash in between shows as ``rows != len(index)`` and triggers the rebuild.

A damaged index (a file that fails its checksum, is truncated, missing or unreadable,
see :mod:`vidi.index.storage`) or a damaged state file (it carries its own checksum) is
set aside and rebuilt the same way, never trusted, and the rebuild is reported as one
line (:func:`vidi.notices.notice`). Only the very first build, of an empty index with no
state file, is silent.

With ``settings.index_shards`` above one the hashes live in that many shards
(:mod:`vidi.index.shards`, folder ``pdq-shards``), queried side by side. One process
writes (the lock file); others open a read-only view (:meth:`KnownIndex.open_read_only`)
that never waits, or ask a ``vidi index serve`` when ``settings.index_url`` is set
(:mod:`vidi.matching.index_service`).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import numpy as np
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from vidi.config import Settings
from vidi.index import Hit, IndexDamaged, IndexLocked, PdqIndex
from vidi.index.shards import ShardedIndex
from vidi.matching.labels import entry_label, frame_label, media_label
from vidi.notices import notice
from vidi.store.db import Database
from vidi.store.models import HashList, HashListEntry, IngestRun, Media, VideoFrame

AnySelect = Select[*tuple[Any, ...]]
STATE_FILE = "sync.json"
LOCK_FILE = "known.lock"
PDQ_DIR = "pdq"
SHARDED_DIR = "pdq-shards"
STATE_VERSION = 2
"""2: the state file carries a SHA-256 of its own body."""
CHUNK = 50_000
MEDIA_OVERLAP = timedelta(minutes=10)
"""Media committed this long after a later-stamped row are still found by the re-check."""
FRAME_OVERLAP = 10_000
"""Frame ids below the highest seen that may commit late (concurrent ingests)."""


@dataclass
class SyncState:
    """What the index holds, by table (see the module docstring)."""

    rows: int = 0
    media_count: int = 0
    media_until: str | None = None
    frame_count: int = 0
    frame_max_id: int = 0
    lists: dict[str, list[Any]] = field(default_factory=dict)  # id -> [file_sha256, count]
    ingest_stamp: list[int] = field(default_factory=list)  # [runs, sum of media_new]


@dataclass(frozen=True)
class SyncReport:
    """What bringing the index up to date did."""

    added: int
    rebuilt: bool
    reason: str | None = None


class KnownIndex:
    """The PDQ index plus its sync state; one process at a time (a lock file)."""

    def __init__(self, directory: Path, lock: IO[bytes] | None, shards: int = 1) -> None:
        self.directory = directory
        self._lock = lock
        self._shards = shards
        self.damage: str | None = None
        """Why the index on disk cannot be trusted; the next :meth:`sync` rebuilds it."""
        self.pdq: PdqIndex | ShardedIndex
        try:
            self.pdq = self._open_pdq()
        except IndexDamaged as exc:
            if lock is None:
                raise
            self.damage = str(exc)
            _set_aside(self._pdq_path)
            self.pdq = self._open_pdq()
        self.state, problem = _read_state(directory / STATE_FILE)
        if problem and (len(self.pdq) or (directory / STATE_FILE).exists()):
            self.damage = self.damage or problem

    @classmethod
    def open(
        cls, db: Database, settings: Settings, *, sync: bool = True, wait_s: float = 60.0
    ) -> KnownIndex:
        """Open (waiting up to ``wait_s`` for another process to let go) and sync.

        With ``sync=False`` the caller must call :meth:`sync` before searching: that is
        also where a damaged index is rebuilt.
        """
        directory = settings.index_dir
        directory.mkdir(parents=True, exist_ok=True)
        if settings.index_url:
            from vidi.matching.index_service import RemoteKnownIndex

            return RemoteKnownIndex(settings.index_url, sync=sync)
        lock = _take_lock(directory / LOCK_FILE, wait_s)
        index = cls(directory, lock, settings.index_shards)
        if sync:
            index.sync(db)
        return index

    @classmethod
    def open_read_only(cls, settings: Settings) -> KnownIndex:
        """A view of the index as it is now, for searching only: no lock, no waiting.

        It holds what the writer has added so far (nothing newer than its last sync);
        raises :class:`~vidi.index.IndexDamaged` when the index is damaged (the writer
        rebuilds it).
        """
        return cls(settings.index_dir, None, settings.index_shards)

    @property
    def _pdq_path(self) -> Path:
        return self.directory / (PDQ_DIR if self._shards == 1 else SHARDED_DIR)

    def _open_pdq(self) -> PdqIndex | ShardedIndex:
        read_only = self._lock is None
        if self._shards == 1:
            path = self._pdq_path
            return PdqIndex.open_read_only(path) if read_only else PdqIndex.open(path)
        return ShardedIndex.open(self._pdq_path, self._shards, read_only=read_only)

    def close(self) -> None:
        self.pdq.close()
        if self._lock is not None and not self._lock.closed:
            self._lock.close()

    def __enter__(self) -> KnownIndex:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __len__(self) -> int:
        return len(self.pdq)

    def search_many(self, hashes: Sequence[str], radius: int) -> list[list[Hit]]:
        return self.pdq.search_many(list(hashes), radius) if hashes else []

    def sync(self, db: Database) -> SyncReport:
        """Add what the database has and the index lacks; rebuild when that cannot be told."""
        state = self.state
        if self._lock is None:
            return SyncReport(added=0, rebuilt=False, reason="read-only view")
        if self.damage:
            return self.rebuild(db, self.damage)
        if state is None:
            return self.rebuild(db, "first build", quiet=len(self.pdq) == 0)
        if state.rows != len(self.pdq):
            return self.rebuild(
                db, f"it holds {len(self.pdq):,} hashes, its state file says {state.rows:,}"
            )
        with db.session() as session:
            lists = dict(list(_lists(session)))
            stale = [k for k, (sha, _n) in state.lists.items() if lists.get(int(k)) != sha]
            if stale:
                return self.rebuild(db, f"hash list {stale[0]} changed behind the index")
            added = sum(
                self._add_list(session, lid, sha)
                for lid, sha in lists.items()
                if str(lid) not in state.lists
            )
            stamp = _ingest_stamp(session)
            problem = None
            if stamp != state.ingest_stamp:
                added += self._add_new_frames(session) + self._add_new_media(session)
                problem = self._recheck_counts(session)
                state.ingest_stamp = stamp
                self._write_state()
        if problem:
            return self.rebuild(db, problem)
        return SyncReport(added=added, rebuilt=False)

    def replace_list(self, session: Session, hashlist_id: int, old_entry_ids: np.ndarray) -> int:
        """A new version of a list was committed: drop its old entries, add the new ones."""
        state = self.state
        if state is None:
            return 0  # nothing is known about the index: the next sync rebuilds it
        if old_entry_ids.size:
            self.pdq.remove(np.asarray([entry_label(int(i)) for i in old_entry_ids]))
        old = state.lists.pop(str(hashlist_id), None)
        state.rows = len(self.pdq)
        self._write_state()
        sha = session.scalar(select(HashList.file_sha256).where(HashList.id == hashlist_id))
        added = self._add_list(session, hashlist_id, sha) if sha else 0
        if old and old[1] != int(old_entry_ids.size):
            state.rows = -1  # the caller's old ids did not match what was indexed: rebuild
            self._write_state()
        return added

    def rebuild(self, db: Database, reason: str, quiet: bool = False) -> SyncReport:
        """Throw the index away and add every PDQ hash the database holds.

        Says so in one line (``reason`` and the count) unless ``quiet``.
        """
        if self._lock is None:
            raise IndexLocked(f"the known-hash index in {self.directory} was opened read-only")
        self.pdq.close()
        target = self._pdq_path
        stale = self.directory / f"{target.name}.stale-{os.getpid()}"
        if target.exists():
            target.rename(stale)
        self.pdq = self._open_pdq()
        self.damage = None
        self.state = SyncState()
        self._write_state()
        with db.session() as session:
            added = sum(self._add_list(session, lid, sha) for lid, sha in _lists(session))
            added += self._add_new_frames(session) + self._add_new_media(session)
            self.state.ingest_stamp = _ingest_stamp(session)
            self._write_state()
        self.pdq.save()
        shutil.rmtree(stale, ignore_errors=True)
        if not quiet:
            count = len(self.pdq)
            notice(
                f"PDQ index at {target}: {reason}; rebuilt from the database "
                f"({count:,} hash{'' if count == 1 else 'es'})"
            )
        return SyncReport(added=added, rebuilt=True, reason=reason)

    def _add(self, labels: list[int], hashes: list[str]) -> None:
        self.pdq.add(np.asarray(labels, dtype=np.int64), hashes)

    def _add_list(self, session: Session, hashlist_id: int, file_sha256: str) -> int:
        state = self._require_state()
        query = (
            select(HashListEntry.id, HashListEntry.pdq)
            .where(HashListEntry.hashlist_id == hashlist_id, HashListEntry.pdq.is_not(None))
            .order_by(HashListEntry.id)
        )
        count = 0
        for chunk in _chunks(session, query):
            self._add([entry_label(i) for i, _ in chunk], [p for _, p in chunk])
            count += len(chunk)
        state.lists[str(hashlist_id)] = [file_sha256, count]
        state.rows = len(self.pdq)
        self._write_state()
        return count

    def _add_new_frames(self, session: Session) -> int:
        """Frames with an id above the highest indexed one."""
        state = self._require_state()
        query = select(VideoFrame.id, VideoFrame.pdq).where(VideoFrame.id > state.frame_max_id)
        return self._add_frames(session, query, recheck=False)

    def _add_frames(self, session: Session, query: AnySelect, recheck: bool) -> int:
        state = self._require_state()
        count = 0
        for chunk in _chunks(session, query.order_by(VideoFrame.id)):
            rows = [(i, p) for i, p in chunk if not recheck or not self._has(frame_label(i), p)]
            self._add([frame_label(i) for i, _ in rows], [p for _, p in rows])
            count += len(rows)
            state.frame_count += len(rows)
            state.frame_max_id = max(state.frame_max_id, chunk[-1][0])
            state.rows = len(self.pdq)
            self._write_state()
        return count

    def _add_new_media(self, session: Session) -> int:
        """Media stamped after the newest indexed one."""
        state = self._require_state()
        query = select(Media.sha256, Media.pdq, Media.first_seen_at).where(Media.pdq.is_not(None))
        if state.media_until:
            query = query.where(Media.first_seen_at > datetime.fromisoformat(state.media_until))
        return self._add_media(session, query, recheck=False)

    def _add_media(self, session: Session, query: AnySelect, recheck: bool) -> int:
        state = self._require_state()
        count = 0
        for chunk in _chunks(session, query):
            rows = [r for r in chunk if not recheck or not self._has(media_label(r[0]), r[1])]
            self._add([media_label(s) for s, _, _ in rows], [p for _, p, _ in rows])
            count += len(rows)
            state.media_count += len(rows)
            newest = max(t for _, _, t in chunk).isoformat()
            state.media_until = max(newest, state.media_until or newest)
            state.rows = len(self.pdq)
            self._write_state()
        return count

    def _recheck_counts(self, session: Session) -> str | None:
        """Find rows that committed late (older stamp or id than one already indexed)."""
        state = self._require_state()
        frames = session.scalar(select(func.count()).select_from(VideoFrame)) or 0
        if frames != state.frame_count:
            low = max(0, state.frame_max_id - FRAME_OVERLAP)
            query = select(VideoFrame.id, VideoFrame.pdq).where(VideoFrame.id > low)
            self._add_frames(session, query, recheck=True)
        media = session.scalar(select(func.count()).where(Media.pdq.is_not(None))) or 0
        if media != state.media_count and state.media_until:
            since = datetime.fromisoformat(state.media_until) - MEDIA_OVERLAP
            recent = select(Media.sha256, Media.pdq, Media.first_seen_at).where(
                Media.pdq.is_not(None), Media.first_seen_at >= since
            )
            self._add_media(session, recent, recheck=True)
        if frames != state.frame_count or media != state.media_count:
            return (
                f"index holds {state.frame_count} frames and {state.media_count} media, "
                f"the database {frames} and {media}"
            )
        return None

    def _has(self, label: int, pdq: str) -> bool:
        return any(hit.id == label for hit in self.pdq.search(pdq, 0))

    def _require_state(self) -> SyncState:
        if self.state is None:
            self.state = SyncState()
        return self.state

    def _write_state(self) -> None:
        path = self.directory / STATE_FILE
        temporary = path.with_suffix(".tmp")
        body: dict[str, Any] = {"version": STATE_VERSION, **asdict(self._require_state())}
        body["sha256"] = _state_checksum(body)
        temporary.write_text(json.dumps(body))
        os.replace(temporary, path)


def _lists(session: Session) -> Iterable[tuple[int, str]]:
    return session.execute(select(HashList.id, HashList.file_sha256).order_by(HashList.id))


def _ingest_stamp(session: Session) -> list[int]:
    """Changes whenever an ingest adds media or frames: two numbers from a small table."""
    runs, media_new = session.execute(
        select(func.count(), func.coalesce(func.sum(IngestRun.media_new), 0))
    ).one()
    return [int(runs), int(media_new)]


def _chunks(session: Session, query: AnySelect) -> Iterable[list[Any]]:
    result = session.execute(query.execution_options(yield_per=CHUNK))
    for partition in result.partitions():
        yield [tuple(row) for row in partition]


def _state_checksum(body: dict[str, Any]) -> str:
    rest = {key: value for key, value in body.items() if key != "sha256"}
    return hashlib.sha256(json.dumps(rest, sort_keys=True).encode()).hexdigest()


def _read_state(path: Path) -> tuple[SyncState | None, str | None]:
    """The state, or None and what is wrong with the file (missing, damaged, older)."""
    try:
        body = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None, f"its state file {STATE_FILE} is missing"
    except (OSError, ValueError) as exc:
        return None, f"its state file {STATE_FILE} cannot be read ({exc.__class__.__name__})"
    if not isinstance(body, dict) or body.get("version") != STATE_VERSION:
        return None, f"its state file {STATE_FILE} is not version {STATE_VERSION}"
    if body.pop("sha256", None) != _state_checksum(body):
        return None, f"its state file {STATE_FILE} failed its checksum"
    body.pop("version")
    try:
        return SyncState(**body), None
    except TypeError:
        return None, f"its state file {STATE_FILE} does not hold the expected fields"


def _set_aside(directory: Path) -> Path:
    """Move a damaged index out of the way (deleted once rebuilt); returns ``directory``."""
    aside = directory.with_name(f"{directory.name}.damaged-{os.getpid()}")
    shutil.rmtree(aside, ignore_errors=True)
    directory.rename(aside)
    shutil.rmtree(aside, ignore_errors=True)
    return directory


def _take_lock(path: Path, wait_s: float) -> IO[bytes]:
    handle = open(path, "ab")  # noqa: SIM115 - held until KnownIndex.close()
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return handle
        except BlockingIOError:
            if time.monotonic() >= deadline:
                handle.close()
                raise IndexLocked(
                    f"the known-hash index in {path.parent} is in use by another Vidi process "
                    f"(waited {wait_s:.0f} s); try again when it has finished"
                ) from None
            time.sleep(0.2)
