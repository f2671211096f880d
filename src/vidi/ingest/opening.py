"""Opening a source for a run: its row in the database and a stream of worker tasks.

A source is recorded once per case (by its absolute path); a single-file source also
records its own SHA-256 so it can be re-verified later. Archive members that cannot be
read in place are spilled to the run's scratch folder under the home.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from vidi import audit
from vidi.config import Settings
from vidi.errors import StorageFull
from vidi.ingest.worker import Task
from vidi.media.digest import digest_stream
from vidi.sources.base import Entry, Refused
from vidi.sources.enumerate import enumerate_source, source_kind
from vidi.sources.streams import open_noatime
from vidi.store.db import Database
from vidi.store.models import Source

IN_MEMORY_MEMBER = 16 * 1024 * 1024
"""Archive members up to this size go to a worker in memory; larger ones are spilled."""


@dataclass(frozen=True)
class OpenedSource:
    """A source recorded in the case, ready to give its entries and their tasks."""

    source_id: int
    path: Path

    def entries(self, settings: Settings, run_dir: Path) -> Iterator[Entry | Refused]:
        return enumerate_source(self.path, settings.archive, run_dir / "enumerate")

    def task_for(self, entry: Entry, run_dir: Path) -> Task:
        if entry.disk_path is not None:
            return Task(
                entry.key, entry.path, entry.archive_chain, str(entry.disk_path), entry.size
            )
        if entry.size <= IN_MEMORY_MEMBER:
            with entry.open() as stream:
                data = stream.read(IN_MEMORY_MEMBER + 1)
            if len(data) <= IN_MEMORY_MEMBER:
                return Task(entry.key, entry.path, entry.archive_chain, "", len(data), data=data)
        spill_dir = run_dir / "spill"
        target = spill_dir / entry.key
        try:
            spill_dir.mkdir(parents=True, exist_ok=True)
            with entry.open() as stream, open(target, "wb") as out:
                shutil.copyfileobj(stream, out, 1024 * 1024)
        except OSError as error:
            StorageFull.raise_if_full(error, target)
            raise
        size = target.stat().st_size
        return Task(entry.key, entry.path, entry.archive_chain, str(target), size, spilled=True)


def open_source(db: Database, case_id: int, path: Path, settings: Settings) -> OpenedSource:
    """Find or record the source row for PATH in the case.

    Two runs may open the same source at once: the loser of the race to insert the row
    rolls its insert back and uses the winner's row (the unique key on case and path
    decides, on SQLite and PostgreSQL alike).
    """
    uri = str(path)
    source_id = _source_id(db, case_id, uri)
    if source_id is not None:
        return OpenedSource(source_id=source_id, path=path)
    kind = source_kind(path)
    sha256 = size = None
    if kind != "folder":
        with open_noatime(path) as handle:
            digest = digest_stream(handle)
        sha256, size = digest.sha256, digest.size
    try:
        with db.session() as session:
            source = Source(case_id=case_id, uri=uri, kind=kind, sha256=sha256, size=size)
            session.add(source)
            session.flush()
            audit.record(
                session, "source.add", uri, {"kind": kind, "sha256": sha256, "case_id": case_id}
            )
            return OpenedSource(source_id=source.id, path=path)
    except IntegrityError:
        source_id = _source_id(db, case_id, uri)
        if source_id is None:
            raise
        return OpenedSource(source_id=source_id, path=path)


def _source_id(db: Database, case_id: int, uri: str) -> int | None:
    with db.session() as session:
        return session.scalar(select(Source.id).where(Source.case_id == case_id, Source.uri == uri))
