"""Migration 0011 gives every existing case its own stable public id (its export CaseID)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command

from vidi.config import Settings
from vidi.store.db import alembic_config, make_engine

_case = sa.table(
    "case",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
_NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_existing_cases_get_distinct_public_ids_and_no_two_cases_share_one(
    request: pytest.FixtureRequest, settings: Settings, backend: str
) -> None:
    if backend == "postgresql":
        settings = settings.with_changes(database_url=request.getfixturevalue("postgres_url"))
    settings.home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    config = alembic_config(settings.database_url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        connection.execute(
            sa.insert(_case),
            [{"id": n, "name": f"old-{n}", "created_at": _NOW} for n in (1, 2, 3)],
        )
        command.upgrade(config, "0011")
        ids = connection.execute(sa.text('SELECT public_id FROM "case" ORDER BY id')).scalars()
        found = list(ids)
        with pytest.raises(sa.exc.IntegrityError), connection.begin_nested():
            connection.execute(
                sa.text(
                    'INSERT INTO "case" (id, name, created_at, public_id) VALUES (4, :n, :t, :p)'
                ),
                {"n": "copy", "t": _NOW, "p": found[0]},
            )
        command.downgrade(config, "0002")
        columns = {c["name"] for c in sa.inspect(connection).get_columns("case")}
    engine.dispose()
    assert len(set(found)) == 3
    assert all(str(uuid.UUID(value)) == value for value in found)
    assert "public_id" not in columns
