"""Opening a database at the newest revision skips Alembic; anything else still upgrades."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from vidi.config import Settings
from vidi.store.db import (
    Database,
    alembic_config,
    make_engine,
    migration_heads,
    schema_is_current,
)


def test_the_heads_read_from_the_files_are_alembics_heads() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert migration_heads() == frozenset(script.get_heads())


def write_migration(folder: Path, revision: str, down: str) -> None:
    (folder / f"{revision}.py").write_text(
        f'"""{revision}"""\nrevision: str = "{revision}"\ndown_revision = {down}\n'
        "depends_on = None\n\ndef upgrade() -> None:\n    pass\n",
        encoding="utf-8",
    )


def test_branches_are_two_heads_until_a_merge_joins_them(tmp_path: Path) -> None:
    write_migration(tmp_path, "a1", "None")
    write_migration(tmp_path, "b2", '"a1"')
    write_migration(tmp_path, "c3", '"a1"')
    assert migration_heads(tmp_path) == {"b2", "c3"}
    write_migration(tmp_path, "d4", '("b2", "c3")')
    assert migration_heads(tmp_path) == {"d4"}


def test_a_revision_that_is_not_a_plain_literal_leaves_the_question_to_alembic(
    tmp_path: Path,
) -> None:
    write_migration(tmp_path, "a1", "None")
    (tmp_path / "b2.py").write_text('revision = "b" + "2"\ndown_revision = "a1"\n')
    assert migration_heads(tmp_path) is None


def test_a_database_at_an_older_revision_is_still_upgraded(settings: Settings) -> None:
    settings.home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    config = alembic_config(settings.database_url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
    assert not schema_is_current(engine)
    database = Database(settings.database_url)
    try:
        assert schema_is_current(database.engine)
        with database.engine.connect() as connection:
            stored = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
            assert {row[0] for row in stored} == migration_heads()
    finally:
        database.close()
        engine.dispose()


def test_an_empty_database_is_not_current_and_gets_the_schema(settings: Settings) -> None:
    settings.home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    try:
        assert not schema_is_current(engine)
    finally:
        engine.dispose()
    database = Database(settings.database_url)
    try:
        assert "case" in database.table_names()
        assert schema_is_current(database.engine)
    finally:
        database.close()


def test_processes_opening_one_empty_postgresql_database_at_once_all_succeed(
    postgres_url: str,
) -> None:
    """A worker and the command that sent it work may create the schema at the same time.

    Without a lock one of them failed with a duplicate ``alembic_version`` type."""
    import subprocess
    import sys

    opener = (
        "import sys; from vidi.store.db import Database; Database(sys.argv[1]).engine.dispose()"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", opener, postgres_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(4)
    ]
    outputs = [process.communicate(timeout=120)[0].decode() for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0, 0], outputs
    assert schema_is_current(make_engine(postgres_url))
