"""``vidi backup`` / ``vidi restore``: the whole home in one folder, checked by hashes.

A backup folder holds the database (``database.sqlite`` through SQLite's online backup
API, or ``database.pgdump`` from ``pg_dump --format=custom``), ``blobs/``, ``index/``,
the audit anchor, and ``manifest.json`` listing every file with its size and SHA-256.
Restore checks every file against the manifest *before* writing anything, refuses a
backup with a missing, changed or unlisted file, and refuses a home that already holds
data unless told ``force``.

Limit: someone who rewrites a file *and* the manifest passes the check. The manifest's
own SHA-256 (``fingerprint``) is printed by ``vidi backup``; keep it apart from the backup
and pass it to ``vidi restore --expect`` to close that gap.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from vidi.config import Settings
from vidi.errors import VidiError
from vidi.results import jsonable
from vidi.store.db import make_engine

MANIFEST = "manifest.json"
FORMAT = "vidi-backup"
VERSION = 1
SQLITE_FILE = "database.sqlite"
PG_FILE = "database.pgdump"
HOME_FOLDERS = ("blobs", "index")
ANCHOR = "audit-anchor.json"
TOOL_TIMEOUT_S = 24 * 3600


class BackupError(VidiError):
    """A backup cannot be made, or is incomplete, altered, or would overwrite data."""


@dataclass(frozen=True)
class BackupResult:
    folder: Path
    files: int
    bytes: int
    fingerprint: str
    """SHA-256 of manifest.json: keep it apart from the backup (``restore --expect``)."""
    index_included: bool

    def to_dict(self) -> dict[str, Any]:
        return jsonable(self)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class RestoreResult:
    home: Path
    files: int
    bytes: int
    database: str

    def to_dict(self) -> dict[str, Any]:
        return jsonable(self)  # type: ignore[no-any-return]


def backup_home(settings: Settings, out: Path) -> BackupResult:
    """Write the home's database, blobs, index and anchor to the new folder ``out``."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"{out} is not empty; name a new folder for the backup")
    out.mkdir(parents=True, exist_ok=True)
    _dump_database(settings.database_url, out)
    for folder in HOME_FOLDERS:
        if folder == "index":
            continue
        if (settings.home / folder).is_dir():
            shutil.copytree(settings.home / folder, out / folder, ignore=_temporary_files)
    index_included = _copy_index(settings.index_dir, out / "index")
    if settings.audit_anchor.exists():
        shutil.copy2(settings.audit_anchor, out / ANCHOR)
    files: dict[str, tuple[int, str]] = {
        path.relative_to(out).as_posix(): (path.stat().st_size, _sha256(path))
        for path in sorted(out.rglob("*"))
        if path.is_file()
    }
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": datetime.now(UTC).isoformat(),
        "database": make_url(settings.database_url).get_backend_name(),
        "files": files,
    }
    data = json.dumps(manifest, indent=1, sort_keys=True).encode()
    (out / MANIFEST).write_bytes(data)
    return BackupResult(
        out,
        len(files),
        sum(size for size, _ in files.values()),
        hashlib.sha256(data).hexdigest(),
        index_included,
    )


def restore_home(
    settings: Settings, backup: Path, *, force: bool = False, expect: str | None = None
) -> RestoreResult:
    """Check the backup whole, then put it into the home (and its database)."""
    backup = Path(backup)
    manifest = verify_backup(backup, expect)
    backend = make_url(settings.database_url).get_backend_name()
    if manifest["database"] != backend:
        raise BackupError(
            f"the backup holds a {manifest['database']} database, this home uses {backend}; "
            "restore it into a home with the same kind of database"
        )
    if not force and _home_holds_data(settings):
        raise BackupError(
            f"the home {settings.home} (or its database) already holds data; restore into "
            "an empty home, or pass --force to replace what is there"
        )
    settings.home.mkdir(parents=True, exist_ok=True)
    for folder in HOME_FOLDERS:
        shutil.rmtree(settings.home / folder, ignore_errors=True)
        if (backup / folder).is_dir():
            shutil.copytree(backup / folder, settings.home / folder)
    if (backup / ANCHOR).exists():
        shutil.copy2(backup / ANCHOR, settings.audit_anchor)
    else:
        settings.audit_anchor.unlink(missing_ok=True)
    _restore_database(settings.database_url, backup)
    files = manifest["files"]
    return RestoreResult(
        settings.home, len(files), sum(size for size, _ in files.values()), backend
    )


def verify_backup(backup: Path, expect: str | None = None) -> dict[str, Any]:
    """The manifest, once every file is as it says; BackupError names the first that is not."""
    try:
        data = (backup / MANIFEST).read_bytes()
        manifest = json.loads(data)
    except (OSError, ValueError) as exc:
        raise BackupError(
            f"{backup} holds no readable {MANIFEST} ({exc.__class__.__name__})"
        ) from None
    if expect is not None and hashlib.sha256(data).hexdigest() != expect.lower():
        raise BackupError(f"{MANIFEST} in {backup} is not the one whose fingerprint you gave")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{backup} is not a Vidi backup")
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise BackupError(f"{MANIFEST} in {backup} lists no files")
    for name, recorded in files.items():
        _check_file(backup, name, recorded)
    listed = set(files) | {MANIFEST}
    extra = [
        p
        for p in backup.rglob("*")
        if p.is_file() and p.relative_to(backup).as_posix() not in listed
    ]
    if extra:
        raise BackupError(
            f"{extra[0].relative_to(backup)} in {backup} is not in its manifest; "
            "the backup was changed after it was made"
        )
    return manifest


def _check_file(backup: Path, name: str, recorded: Any) -> None:
    relative = PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts:
        raise BackupError(f"{MANIFEST} names {name!r}, outside the backup; refusing it")
    path = backup / relative
    if not path.is_file():
        raise BackupError(f"{name} is missing from {backup}")
    size, checksum = recorded
    if path.stat().st_size != size or _sha256(path) != checksum:
        raise BackupError(f"{name} in {backup} is not what was backed up (size or SHA-256)")


def _sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _temporary_files(folder: str, names: list[str]) -> list[str]:
    return [n for n in names if n.startswith(".tmp-")]


def _copy_index(source: Path, target: Path) -> bool:
    """Copy the index while no process writes it; False (rebuilt on restore) if one does."""
    from vidi.matching.known_index import LOCK_FILE

    if not source.is_dir():
        return False
    with open(source / LOCK_FILE, "ab") as lock:
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        skip = shutil.ignore_patterns("LOCK", LOCK_FILE, "*.tmp", "*.stale-*", "*.damaged-*")
        shutil.copytree(source, target, ignore=skip)
    return True


def _dump_database(url: str, out: Path) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        source = sqlite3.connect(f"file:{parsed.database}?mode=ro", uri=True)
        target = sqlite3.connect(out / SQLITE_FILE)
        try:
            source.backup(target)  # a consistent copy while others may be writing
        finally:
            target.close()
            source.close()
        return
    _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(out / PG_FILE)], url)


def _restore_database(url: str, backup: Path) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        assert parsed.database
        target = Path(parsed.database)
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        temporary = target.with_name(target.name + ".restoring")
        shutil.copyfile(backup / SQLITE_FILE, temporary)
        os.replace(temporary, target)
        return
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            str(backup / PG_FILE),
        ],
        url,
        database_flag=True,
    )


def _run(command: list[str], url: str, database_flag: bool = False) -> None:
    """Run pg_dump/pg_restore against ``url``; the password travels in the environment."""
    parsed = make_url(url)
    libpq = parsed.set(drivername="postgresql", password=None)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    target = libpq.render_as_string(hide_password=False)
    argv = (
        [*command[:1], f"--dbname={target}", *command[1:]] if database_flag else [*command, target]
    )
    try:
        done = subprocess.run(
            argv, env=env, capture_output=True, text=True, timeout=TOOL_TIMEOUT_S, check=False
        )
    except FileNotFoundError:
        raise BackupError(
            f"{command[0]} is not installed; install the PostgreSQL client tools "
            "(Debian: postgresql-client) of the server's version"
        ) from None
    if done.returncode != 0:
        line = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupError(f"{command[0]} failed: {line}")


def _home_holds_data(settings: Settings) -> bool:
    if any(
        (settings.home / folder).is_dir() and any((settings.home / folder).iterdir())
        for folder in ("blobs",)
    ):
        return True
    engine = make_engine(settings.database_url)
    try:
        return "media" in inspect(engine).get_table_names() and _has_rows(engine)
    finally:
        engine.dispose()


def _has_rows(engine: Any) -> bool:
    from sqlalchemy import select

    from vidi.store.models import Case, HashList, Media

    with engine.connect() as connection:
        return any(
            connection.execute(select(table).limit(1)).first() is not None
            for table in (Media.__table__, Case.__table__, HashList.__table__)
        )
