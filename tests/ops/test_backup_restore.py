"""Backup and restore of a whole home, checked by hashes, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select

from vidi.cases import create_case
from vidi.config import Settings, load_settings
from vidi.demo import draw_scene
from vidi.operations.backup import BackupError, backup_home, restore_home
from vidi.operations.doctor import examine_home
from vidi.store.db import Database
from vidi.store.models import Media
from vidi.workbench import Workbench
from vidi_testing import PG_ADMIN_URL, jpeg_bytes


def home_settings(tmp_path: Path, name: str, database: str, postgres_url: str | None) -> Settings:
    settings = load_settings(tmp_path / name, env={}).with_changes(workers=1, batch_size=50)
    if database == "postgresql":
        assert postgres_url
        settings = settings.with_changes(database_url=postgres_url)
    return settings


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def ingested(tmp_path: Path, database: str, request: pytest.FixtureRequest) -> Settings:
    url = request.getfixturevalue("postgres_url") if database == "postgresql" else None
    settings = home_settings(tmp_path, "home", database, url)
    seized = tmp_path / "seized"
    seized.mkdir()
    rng = np.random.default_rng(3)
    for i in range(4):
        (seized / f"p{i}.jpg").write_bytes(jpeg_bytes(draw_scene(rng, 160, 120).convert("RGB")))
    with Workbench(settings) as bench:
        with bench.db.session() as session:
            create_case(session, "harbour")
        bench.ingest("harbour", [seized], clues=False)
    return settings


def media_count(settings: Settings) -> int:
    db = Database(settings.database_url)
    try:
        with db.session() as session:
            return session.scalar(select(func.count()).select_from(Media)) or 0
    finally:
        db.close()


def test_a_backup_restores_into_an_empty_home_whole(
    ingested: Settings, tmp_path: Path, database: str
) -> None:
    result = backup_home(ingested, tmp_path / "backup")
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert any(name.startswith("blobs/") for name in manifest["files"])
    assert result.files == len(manifest["files"])
    url = None
    if database == "postgresql":  # a second, empty database stands for the new server
        url = ingested.database_url + "_restored"
        admin_run(f'CREATE DATABASE "{url.rsplit("/", 1)[1]}"')
    try:
        target = home_settings(tmp_path, "new", database, url)
        restore_home(target, tmp_path / "backup", expect=result.fingerprint)
        assert media_count(target) == media_count(ingested) == 4
        report = examine_home(target)
        assert report.ok, report.findings
    finally:
        if url:
            admin_run(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def admin_run(statement: str) -> None:
    import psycopg

    admin = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(statement)


def test_a_changed_byte_in_a_backup_is_refused_before_anything_is_written(
    ingested: Settings, tmp_path: Path
) -> None:
    backup_home(ingested, tmp_path / "backup")
    thumbnail = next((tmp_path / "backup" / "blobs").rglob("*.jpg"))
    data = bytearray(thumbnail.read_bytes())
    data[-10] ^= 1
    thumbnail.write_bytes(bytes(data))
    target = load_settings(tmp_path / "new", env={})
    with pytest.raises(BackupError, match="is not what was backed up"):
        restore_home(target, tmp_path / "backup")
    assert not (tmp_path / "new").exists()


def test_a_file_slipped_into_a_backup_is_refused(ingested: Settings, tmp_path: Path) -> None:
    backup_home(ingested, tmp_path / "backup")
    (tmp_path / "backup" / "blobs" / "extra.jpg").write_bytes(b"not backed up")
    with pytest.raises(BackupError, match="not in its manifest"):
        restore_home(load_settings(tmp_path / "new", env={}), tmp_path / "backup")


def test_restoring_over_a_home_with_data_needs_force(ingested: Settings, tmp_path: Path) -> None:
    result = backup_home(ingested, tmp_path / "backup")
    with pytest.raises(BackupError, match="already holds data"):
        restore_home(ingested, tmp_path / "backup")
    with pytest.raises(BackupError, match="not the one whose fingerprint"):
        restore_home(ingested, tmp_path / "backup", force=True, expect="0" * 64)
    restore_home(ingested, tmp_path / "backup", force=True, expect=result.fingerprint)
    assert media_count(ingested) == 4


def test_a_backup_into_a_folder_with_files_is_refused(ingested: Settings, tmp_path: Path) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(BackupError, match="not empty"):
        backup_home(ingested, tmp_path / "busy")


def test_doctor_says_whether_postgresql_autovacuum_runs(tmp_path: Path, postgres_url: str) -> None:
    import psycopg

    dsn = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as connection:
        setting = connection.execute("SHOW autovacuum").fetchone()
    assert setting is not None
    settings = home_settings(tmp_path, "home", "postgresql", postgres_url)
    found = {f.check: f for f in examine_home(settings).findings}  # an empty database
    assert found["migrations"].level == "warning" and "index" not in found
    expected = "ok" if setting[0] == "on" else "warning"
    assert found["autovacuum"].level == expected, found["autovacuum"]
    assert "autovacuum" not in {
        f.check for f in examine_home(home_settings(tmp_path, "other", "sqlite", None)).findings
    }
