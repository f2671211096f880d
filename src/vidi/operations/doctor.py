"""``vidi doctor``: is this home healthy, and if not, what to do about it.

Each check gives one :class:`Finding` — a level, one line saying what was found, and
what to do — so an operator reads the list top to bottom and acts. The checks only
read: the database is opened without upgrading it (a schema behind the code is a
finding, not something to fix silently), the index is opened as a read-only view.
"""

from __future__ import annotations

import enum
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from vidi.config import Settings
from vidi.results import jsonable
from vidi.store.db import alembic_config, make_engine

MIN_FREE_BYTES = 2 * 1024**3
"""Below this much free space in the home an ingest may stop for a full disk."""


class Level(enum.StrEnum):
    OK = "ok"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Finding:
    check: str
    level: Level
    message: str


@dataclass(frozen=True)
class DoctorReport:
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return all(f.level != Level.ERROR for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "findings": jsonable(list(self.findings))}


def examine_home(settings: Settings) -> DoctorReport:
    """Run every check; a check that cannot run says why instead of stopping the rest."""
    findings = [check_disk(settings.home)]
    url = settings.database_url
    engine = make_engine(url)
    try:
        database = check_database(engine)
        findings.append(database)
        if database.level == Level.OK:
            migrations = check_migrations(engine, url)
            findings.append(migrations)
            if engine.dialect.name == "postgresql":
                findings.append(check_autovacuum(engine))
            if migrations is not NO_SCHEMA:  # an empty database has nothing else to check
                with Session(engine) as session:
                    findings.append(check_index(session, settings))
                    findings.append(check_blobs(session, settings.blob_dir))
                    findings.append(check_audit(session, settings))
    finally:
        engine.dispose()
    return DoctorReport(tuple(findings))


def check_disk(home: Path) -> Finding:
    where = home if home.exists() else home.parent
    free = shutil.disk_usage(where).free
    if free < MIN_FREE_BYTES:
        return Finding(
            "disk",
            Level.ERROR,
            f"{free / 1024**3:.1f} GiB free under {where}; free space before the next "
            f"ingest (at least {MIN_FREE_BYTES / 1024**3:.0f} GiB)",
        )
    return Finding("disk", Level.OK, f"{free / 1024**3:,.1f} GiB free under {where}")


def check_database(engine: Engine) -> Finding:
    shown = engine.url.render_as_string(hide_password=True)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        reason = str(exc.orig if hasattr(exc, "orig") else exc).strip().splitlines()[0]
        return Finding(
            "database",
            Level.ERROR,
            f"cannot reach {shown} ({reason}); check VIDI_DATABASE_URL and that the server runs",
        )
    return Finding("database", Level.OK, f"{shown} answers")


NO_SCHEMA = Finding(
    "migrations", Level.WARNING, "the database has no Vidi schema yet; any command makes it"
)


def check_migrations(engine: Engine, url: str) -> Finding:
    heads = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if not current:
        return NO_SCHEMA
    if current - heads:
        return Finding(
            "migrations",
            Level.ERROR,
            f"the database is at {sorted(current)}, which this Vidi does not know "
            f"({sorted(heads)}); run the Vidi version that wrote it",
        )
    if current != heads:
        return Finding(
            "migrations",
            Level.WARNING,
            f"the schema is at {sorted(current)}, this Vidi expects {sorted(heads)}; "
            "run 'vidi status' to upgrade it (back up first: 'vidi backup')",
        )
    return Finding("migrations", Level.OK, f"schema at {', '.join(sorted(heads))}")


def check_autovacuum(engine: Engine) -> Finding:
    """PostgreSQL's autovacuum keeps the planner's statistics and dead rows in hand."""
    with engine.connect() as connection:
        setting = connection.execute(text("SHOW autovacuum")).scalar()
    if setting != "on":
        return Finding(
            "autovacuum",
            Level.WARNING,
            "PostgreSQL's autovacuum is off: statistics go stale and queries slow down as "
            "tables grow (ingest refreshes what it writes; nothing else does); set "
            "'autovacuum = on' in postgresql.conf and reload the server",
        )
    return Finding("autovacuum", Level.OK, "PostgreSQL's autovacuum is on")


def check_index(session: Session, settings: Settings) -> Finding:
    from vidi.index import IndexDamaged
    from vidi.matching.known_index import KnownIndex
    from vidi.store.models import HashListEntry, Media, VideoFrame

    if settings.index_url:
        return Finding("index", Level.OK, f"served by {settings.index_url}")
    expected = sum(
        session.scalar(select(func.count()).where(column.is_not(None))) or 0
        for column in (Media.pdq, VideoFrame.pdq, HashListEntry.pdq)
    )
    try:
        view = KnownIndex.open_read_only(settings)
    except IndexDamaged as exc:
        return Finding(
            "index", Level.WARNING, f"the PDQ index is damaged ({exc}); 'vidi match' rebuilds it"
        )
    with view:
        held = len(view)
    if held != expected:
        return Finding(
            "index",
            Level.WARNING,
            f"the PDQ index holds {held:,} hashes, the database {expected:,}; the next "
            "'vidi match' or ingest brings it up to date",
        )
    return Finding("index", Level.OK, f"{held:,} PDQ hashes, checksums right, in step")


def check_blobs(session: Session, root: Path) -> Finding:
    from vidi.store.models import Media

    missing: list[str] = []
    empty = named = 0
    for relative in session.scalars(select(Media.thumbnail).where(Media.thumbnail.is_not(None))):
        named += 1
        path = root / str(relative)
        try:
            if path.stat().st_size == 0:
                empty += 1
        except OSError:
            missing.append(str(relative))
    if missing or empty:
        example = f" (first: {missing[0]})" if missing else ""
        return Finding(
            "blobs",
            Level.ERROR,
            f"{len(missing):,} thumbnails missing and {empty:,} empty of {named:,}{example}; "
            "restore blobs/ from a backup ('vidi restore')",
        )
    return Finding("blobs", Level.OK, f"all {named:,} thumbnails present")


def check_audit(session: Session, settings: Settings) -> Finding:
    from vidi.audit import verify_chain

    result = verify_chain(session, settings.audit_anchor)
    if not result.ok:
        return Finding(
            "audit",
            Level.ERROR,
            f"the audit chain does not verify: {result.problems[0]}; "
            "run 'vidi audit verify' for details and keep this home as it is",
        )
    return Finding("audit", Level.OK, f"audit chain of {result.events:,} events verifies")
