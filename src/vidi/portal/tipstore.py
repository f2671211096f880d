"""The portal's own tip database: one SQLite file in its data folder, stdlib sqlite3.

It stores what the person typed, the object, the language and the minute it arrived:
no address, no browser, no session. It also remembers which proof-of-work challenges
were used, until they expire, so one solved challenge buys one tip.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from vidi.bundles.tips import Tip

SCHEMA = """
CREATE TABLE IF NOT EXISTS tips (
    id TEXT PRIMARY KEY,
    object_id TEXT NOT NULL,
    received_at TEXT NOT NULL,
    language TEXT NOT NULL,
    what TEXT NOT NULL,
    where_seen TEXT NOT NULL,
    contact TEXT NOT NULL,
    consent INTEGER NOT NULL,
    exported_at TEXT,
    other_abuse INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS used_challenges (
    signature TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
"""


class TipStore:
    """Tips and used challenges in ``path`` (created on first use)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # WAL + NORMAL: a committed tip survives a crash of the portal; a power cut may
        # lose the last moments (no fsync per tip, which would cap tips per second).
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(tips)")}
        if "other_abuse" not in columns:  # a tip file made before the abuse tick box
            self._db.execute("ALTER TABLE tips ADD COLUMN other_abuse INTEGER NOT NULL DEFAULT 0")

    def close(self) -> None:
        self._db.close()

    def add(
        self,
        object_id: str,
        language: str,
        what: str,
        where: str,
        contact: str,
        consent: bool,
        other_abuse: bool = False,
    ) -> Tip:
        minute = datetime.now(UTC).replace(second=0, microsecond=0).isoformat()
        tip = Tip(
            id=uuid.uuid4().hex,
            object_id=object_id,
            received_at=minute,
            language=language,
            what=what,
            where=where,
            contact=contact,
            consent=consent,
            other_abuse=other_abuse,
        )
        with self._lock:
            self._db.execute(
                "INSERT INTO tips (id, object_id, received_at, language, what, where_seen,"
                " contact, consent, other_abuse) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    tip.id,
                    object_id,
                    minute,
                    language,
                    what,
                    where,
                    contact,
                    int(consent),
                    int(other_abuse),
                ),
            )
        return tip

    def claim_challenge(self, signature: str, expires_at: int) -> bool:
        """Record a solved challenge; False if it was used before (a replay)."""
        now = int(time.time())
        with self._lock:
            self._db.execute("DELETE FROM used_challenges WHERE expires_at < ?", (now,))
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO used_challenges (signature, expires_at) VALUES (?, ?)",
                (signature, expires_at),
            )
            return cursor.rowcount == 1

    def tips(self, only_new: bool) -> list[Tip]:
        query = (
            "SELECT id, object_id, received_at, language, what, where_seen, contact, consent,"
            " other_abuse FROM tips"
        )
        if only_new:
            query += " WHERE exported_at IS NULL"
        with self._lock:
            rows = self._db.execute(query + " ORDER BY received_at, id").fetchall()
        return [
            Tip(
                id=row[0],
                object_id=row[1],
                received_at=row[2],
                language=row[3],
                what=row[4],
                where=row[5],
                contact=row[6],
                consent=bool(row[7]),
                other_abuse=bool(row[8]),
            )
            for row in rows
        ]

    def mark_exported(self, tip_ids: list[str]) -> None:
        stamp = datetime.now(UTC).replace(microsecond=0).isoformat()
        with self._lock:
            self._db.executemany(
                "UPDATE tips SET exported_at = ? WHERE id = ?", [(stamp, i) for i in tip_ids]
            )

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM tips").fetchone()[0])
