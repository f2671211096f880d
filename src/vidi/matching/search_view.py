"""Searching the known index while another process writes it, without waiting.

Only one process writes the known-hash index (:class:`KnownIndex` holds a lock). Matching
needs every PDQ hash the database holds, which the writer's index has once synced. When
the lock is busy, ``vidi match`` does not wait for it: it opens a read-only view of the
index (what the writer had added when the view was read) and puts what the view may
lack into a small index of its own, read from the database the same way a sync would:
the entries of hash lists the view does not know (or knows at another version), the
video frames above the view's highest id, and the media stamped after its newest one
(each with the same overlap a sync rechecks for rows that committed late). A search asks
both and merges their hits, nearest first, each label once. The result is what a synced
index would answer; stale hits (entries of a replaced list) resolve to no row and are
dropped by the matcher, as they are after a sync.

The view adds nothing to the index; the writer, or the next sync, does that.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import numpy as np
from sqlalchemy import select

from vidi.config import Settings
from vidi.index import Hit, IndexDamaged, IndexLocked, PdqIndex
from vidi.matching import known_index
from vidi.matching.known_index import KnownIndex, SyncReport, SyncState
from vidi.matching.labels import entry_label, frame_label, media_label
from vidi.store.db import Database
from vidi.store.models import HashListEntry, Media, VideoFrame


class SearchView(KnownIndex):
    """A read-only view of the known index plus, in memory, the rows it does not hold."""

    def __init__(self, view: KnownIndex, extra: PdqIndex, scratch: Path) -> None:  # noqa: D107
        self.directory = view.directory
        self._lock = None
        self.damage = None
        self._view = view
        self._extra = extra
        self._scratch = scratch
        self.state = view.state

    def __len__(self) -> int:
        return len(self._view) + len(self._extra)

    def sync(self, db: Database) -> SyncReport:
        """Nothing to do: the view was completed from the database when it was opened."""
        return SyncReport(added=len(self._extra), rebuilt=False, reason="read-only view")

    def search_many(self, hashes: Sequence[str], radius: int) -> list[list[Hit]]:
        if not hashes:
            return []
        found = self._view.search_many(hashes, radius)
        if not len(self._extra):
            return found
        more = self._extra.search_many(list(hashes), radius)
        return [_merged(a, b) for a, b in zip(found, more, strict=True)]

    def close(self) -> None:
        self._view.close()
        self._extra.close()
        shutil.rmtree(self._scratch, ignore_errors=True)


def open_for_search(db: Database, settings: Settings, wait_s: float = 60.0) -> KnownIndex:
    """The index to match with (not yet synced): the writer's when free, else a view.

    Falls back to waiting for the writer (up to ``wait_s``) only when no view can be
    trusted: none built yet, damaged, or being rebuilt while it was read.
    """
    try:
        return KnownIndex.open(db, settings, sync=False, wait_s=0)
    except IndexLocked:
        pass
    view = search_view(db, settings)
    if view is not None:
        return view
    return KnownIndex.open(db, settings, sync=False, wait_s=wait_s)


def search_view(db: Database, settings: Settings) -> SearchView | None:
    """A read-only view completed from the database, or None when it cannot be trusted."""
    # The state is read before the view: the writer changes the index first and its
    # state file after, so the view holds at least what this state says.
    state, _problem = known_index._read_state(settings.index_dir / known_index.STATE_FILE)
    if state is None:
        return None
    try:
        view = KnownIndex.open_read_only(settings)
    except IndexDamaged:
        return None
    if len(view) < state.rows:  # a rebuild started after the state was read
        view.close()
        return None
    scratch = Path(tempfile.mkdtemp(prefix="vidi-view-"))
    extra = PdqIndex.open(scratch)
    try:
        _add_missing(db, state, extra)
    except BaseException:
        view.close()
        extra.close()
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return SearchView(view, extra, scratch)


def _add_missing(db: Database, state: SyncState, extra: PdqIndex) -> None:
    """Add the rows a sync would add to an index in ``state``, and the overlaps it rechecks."""
    with db.session() as session:
        for list_id, sha in list(known_index._lists(session)):
            if state.lists.get(str(list_id), [None])[0] == sha:
                continue
            entries = select(HashListEntry.id, HashListEntry.pdq).where(
                HashListEntry.hashlist_id == list_id, HashListEntry.pdq.is_not(None)
            )
            for chunk in known_index._chunks(session, entries):
                _add(extra, [entry_label(i) for i, _ in chunk], [p for _, p in chunk])
        low = max(0, state.frame_max_id - known_index.FRAME_OVERLAP)
        frames = select(VideoFrame.id, VideoFrame.pdq).where(VideoFrame.id > low)
        for chunk in known_index._chunks(session, frames):
            _add(extra, [frame_label(i) for i, _ in chunk], [p for _, p in chunk])
        media = select(Media.sha256, Media.pdq).where(Media.pdq.is_not(None))
        if state.media_until:
            since = datetime.fromisoformat(state.media_until) - known_index.MEDIA_OVERLAP
            media = media.where(Media.first_seen_at >= since)
        for chunk in known_index._chunks(session, media):
            _add(extra, [media_label(s) for s, _ in chunk], [p for _, p in chunk])


def _add(index: PdqIndex, labels: list[int], hashes: list[str]) -> None:
    if labels:
        index.add(np.asarray(labels, dtype=np.int64), hashes)


def _merged(first: list[Hit], second: list[Hit]) -> list[Hit]:
    """Both lists' hits, each label once, nearest first (ties by label, as one index)."""
    best: dict[int, Hit] = {}
    for hit in (*first, *second):
        if hit.id not in best or hit.distance < best[hit.id].distance:
            best[hit.id] = hit
    return sorted(best.values(), key=lambda hit: (hit.distance, hit.id))
