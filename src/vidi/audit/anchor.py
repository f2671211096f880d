"""The anchor: the chain's length and head hash, kept outside the database.

Deleting the last events of a hash chain leaves a shorter chain that still verifies. The
anchor remembers how long the chain was and what its head hash was, so verification can
tell. The home keeps one that every append moves forward; ``vidi audit verify --export``
writes a copy for a supervisor to keep where the database's users cannot write.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from vidi.errors import VidiError

ANCHOR_FORMAT = "vidi-audit-anchor"


class AuditError(VidiError):
    """The audit trail cannot be checked as asked (a missing or unreadable anchor)."""


@dataclass(frozen=True)
class Anchor:
    events: int
    head_hash: str
    written_at: str
    database: str | None = None


def new_anchor(events: int, head_hash: str, database: str | None) -> Anchor:
    return Anchor(events, head_hash, datetime.now(UTC).isoformat(timespec="seconds"), database)


def read_anchor(path: Path) -> Anchor:
    """The anchor in PATH; AuditError when it is missing or not an anchor."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise AuditError(f"no audit anchor at {path}") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AuditError(f"the audit anchor {path} cannot be read ({exc})") from exc
    if not isinstance(data, dict) or data.get("format") != ANCHOR_FORMAT:
        raise AuditError(f"{path} is not a Vidi audit anchor")
    events, head_hash = data.get("events"), data.get("head_hash")
    if not isinstance(events, int) or events < 0 or not isinstance(head_hash, str):
        raise AuditError(f"the audit anchor {path} lacks a valid event count and head hash")
    return Anchor(events, head_hash, str(data.get("written_at", "")), data.get("database"))


def write_anchor(path: Path, anchor: Anchor) -> None:
    """Replace PATH atomically: a crash leaves the old anchor or the new one, never half."""
    body = {"format": ANCHOR_FORMAT, "version": 1} | {
        "events": anchor.events,
        "head_hash": anchor.head_hash,
        "written_at": anchor.written_at,
        "database": anchor.database,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        out.write(json.dumps(body, indent=2) + "\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
    _fsync_directory(path.parent)


def advance_anchor(path: Path, events: int, head_hash: str, database: str | None) -> None:
    """Write the anchor unless it already records a longer chain.

    Appends commit in chain order but their processes reach this point in any order; an
    anchor that went backwards would only check less, so the shorter one is dropped.
    """
    with _locked(path):
        try:
            current: Anchor | None = read_anchor(path)
        except AuditError:
            current = None
        if current is not None and current.events >= events:
            return
        write_anchor(path, new_anchor(events, head_hash, database))


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock, the rename alone keeps the file whole
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _fsync_directory(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
