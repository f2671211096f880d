"""Engines and sessions for SQLite (embedded default) and PostgreSQL (teams).

SQLite runs in WAL mode so readers never block the ingest writer; foreign keys are
switched on. The schema is created and upgraded only through Alembic migrations.

Opening a database that is already at the newest revision does not import Alembic (a
fifth of a second at every command's start): the stored revision is compared with the
heads read from the migration files themselves, and Alembic runs only when they differ.
"""

from __future__ import annotations

import ast
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from vidi.config import Settings, hide_password
from vidi.errors import DatabaseUnavailable, HomeUnusable, StorageFull, mount_point

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
DISK_FULL_SQLSTATE = "53100"
AUDIT_ANCHOR_KEY = "vidi.audit.anchor_path"
"""``Session.info`` key: the anchor file that audit appends in this session move forward."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(database_url: str) -> Engine:
    if database_url.startswith("sqlite"):
        path = database_url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(database_url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(database_url, pool_pre_ping=True)


def alembic_config(database_url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


UPGRADE_LOCK = 0x76696469  # "vidi": the PostgreSQL advisory lock held while migrating


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migrations (creates it on an empty database).

    "heads", not "head": branches that were written side by side apply together until a
    merge revision joins them.

    On SQLite, foreign keys are off while the migrations run. A migration that changes a
    column rebuilds the table (copy, drop, rename), and dropping a table with foreign keys
    on deletes its rows first, with every ``ON DELETE CASCADE`` below it: rebuilding
    ``case`` would empty its sources and their occurrences. The keys are checked before
    the upgrade commits and switched back on afterwards.
    """
    from alembic import command

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _sqlite_foreign_keys(connection, on=False)
        try:
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    # Two processes opening one empty database at once (a worker and
                    # the command that sent it work) would both create the schema; the
                    # second waits here and then finds it current.
                    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({UPGRADE_LOCK})")
                config.attributes["connection"] = connection
                command.upgrade(config, "heads")
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"migrations left broken foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                _sqlite_foreign_keys(connection, on=True)


def migration_heads(versions: Path = MIGRATIONS_DIR / "versions") -> frozenset[str] | None:
    """The head revisions of Vidi's migrations, read from their files without Alembic.

    Each file names its ``revision`` and ``down_revision`` (a tuple for a merge) as
    literals; a head is a revision no other one comes down from. None when a file is not
    in that plain form (or uses ``depends_on``): then only Alembic can tell.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in versions.glob("*.py"):
        found = _revision_literals(path)
        if found is None:
            return None
        revision, down, depends_on = found
        if not isinstance(revision, str) or depends_on is not None:
            return None
        revisions.add(revision)
        if isinstance(down, str):
            parents.add(down)
        elif isinstance(down, tuple | list):
            parents.update(str(d) for d in down)
        elif down is not None:
            return None
    return frozenset(revisions - parents) or None


_REVISION_NAMES = ("revision", "down_revision", "depends_on")


def _revision_literals(path: Path) -> tuple[object, object, object] | None:
    """(revision, down_revision, depends_on) as written at the top level of a migration."""
    values: dict[str, object] = {}
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in tree.body:
            if isinstance(node, ast.AnnAssign | ast.Assign):
                targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
                for target in targets:
                    if not isinstance(target, ast.Name) or node.value is None:
                        continue
                    if target.id in _REVISION_NAMES:
                        values[target.id] = ast.literal_eval(node.value)
    except (OSError, SyntaxError, ValueError):
        return None
    if "revision" not in values or "down_revision" not in values:
        return None
    return values["revision"], values["down_revision"], values.get("depends_on")


def schema_is_current(engine: Engine) -> bool:
    """Whether the stored Alembic revisions are exactly the migrations' heads.

    False whenever that is not certain (no version table, a failed query, heads that
    cannot be read without Alembic): the caller then runs the upgrade. A database that
    cannot be reached at all raises here, once, as it would in the upgrade.
    """
    heads = migration_heads()
    if heads is None:
        return False
    with engine.connect() as connection:
        try:
            stored = connection.exec_driver_sql("SELECT version_num FROM alembic_version")
            return frozenset(row[0] for row in stored) == heads
        except DBAPIError:
            return False


def _sqlite_foreign_keys(connection: Connection, *, on: bool) -> None:
    """Switch SQLite's foreign keys (a no-op inside a transaction, hence the check)."""
    if connection.in_transaction():
        connection.rollback()
    connection.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    connection.commit()
    if connection.exec_driver_sql("PRAGMA foreign_keys").scalar() != int(on):
        raise RuntimeError("SQLite foreign keys could not be switched for the migrations")
    connection.commit()


class Database:
    """One database: its engine and a session factory, upgraded on first use.

    AUDIT_ANCHOR is the file outside the database that records the audit chain's length
    and head after every append (``vidi.audit``); without it no anchor is kept.
    """

    def __init__(self, database_url: str, audit_anchor: Path | None = None) -> None:
        self.url = database_url
        self.engine = make_engine(database_url)
        self._sessions = sessionmaker(
            self.engine, expire_on_commit=False, info={AUDIT_ANCHOR_KEY: audit_anchor}
        )
        try:
            if not schema_is_current(self.engine):
                upgrade(self.engine)
        except DBAPIError as error:
            self.engine.dispose()
            raise unusable_database(database_url, error) from error

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on error.

        A full disk (SQLite's SQLITE_FULL, PostgreSQL's disk_full) becomes StorageFull.
        """
        try:
            with self._sessions.begin() as session:
                yield session
        except OperationalError as error:
            self._raise_if_full(error)
            raise

    def _raise_if_full(self, error: OperationalError) -> None:
        cause = error.orig
        if getattr(cause, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
            path = self.engine.url.database or "the database"
            raise StorageFull(
                f"the database is full: {cause} (SQLite file {path}, on the filesystem "
                f"mounted at {mount_point(path)}); free space there and run the command "
                "again: finished work is kept"
            ) from error
        if getattr(cause, "sqlstate", None) == DISK_FULL_SQLSTATE:
            where = self.engine.url.render_as_string(hide_password=True)
            reason = str(cause).strip().splitlines()[0] if str(cause).strip() else "disk full"
            raise StorageFull(
                f"the PostgreSQL server's disk is full ({where}: {reason}); free space on "
                "the server and run the command again: finished work is kept"
            ) from error

    def table_names(self) -> list[str]:
        return inspect(self.engine).get_table_names()

    def close(self) -> None:
        self.engine.dispose()


def unusable_database(database_url: str, error: DBAPIError) -> DatabaseUnavailable:
    """One line that names the database (password hidden), the driver's reason and a remedy."""
    reason = " ".join(str(error.orig).split()) or type(error.orig).__name__
    remedy = (
        "check VIDI_DATABASE_URL, that the server is running and that the database exists"
        if database_url.startswith("postgresql")
        else "check that the file is a Vidi database and that its folder is writable"
    )
    return DatabaseUnavailable(
        f"cannot use the database {hide_password(database_url)}: {reason}; {remedy}"
    )


def prepare_home(home: Path) -> None:
    """Create the Vidi home, or say in one line why it cannot hold Vidi's data."""
    try:
        home.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise HomeUnusable(
            f"the Vidi home {home} is not a folder (a file is in the way); "
            "choose a folder with --home or VIDI_HOME"
        ) from None
    except OSError as error:
        raise HomeUnusable(
            f"cannot create the Vidi home {home}: {error.strerror}; "
            "choose a folder you can write with --home or VIDI_HOME"
        ) from error
    if not os.access(home, os.W_OK | os.X_OK):
        raise HomeUnusable(
            f"the Vidi home {home} is read-only, and Vidi writes its database, thumbnails "
            "and index there; choose a folder you can write with --home or VIDI_HOME"
        )


def open_database(settings: Settings) -> Database:
    prepare_home(settings.home)
    return Database(settings.database_url, audit_anchor=settings.audit_anchor)
