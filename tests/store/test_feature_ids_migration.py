"""Migration 0017: a deleted feature set's id is never given to another (it names a row of
the object index, docs/objects.md)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command

from vidi.config import Settings
from vidi.store.db import alembic_config, make_engine

_features = sa.table(
    "local_features",
    *(sa.column(name) for name in ("id", "extractor", "points", "data", "created_at")),
)


def _add(connection: sa.Connection) -> int:
    row = {"extractor": "orb-1", "points": 0, "data": b"", "created_at": datetime.now(UTC)}
    return int(connection.execute(sa.insert(_features).returning(_features.c.id), row).scalar_one())


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_deleted_feature_sets_id_is_never_given_again(
    request: pytest.FixtureRequest, settings: Settings, backend: str
) -> None:
    url = (
        request.getfixturevalue("postgres_url")
        if backend == "postgresql"
        else (settings.database_url)
    )
    engine = make_engine(url)
    config = alembic_config(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0016")
        before = [_add(connection) for _ in range(3)]
        command.upgrade(config, "0017")
        kept = set(connection.execute(sa.select(_features.c.id)).scalars())
        connection.execute(sa.delete(_features).where(_features.c.id == before[-1]))
        after = _add(connection)
        command.downgrade(config, "0016")
        command.upgrade(config, "0017")
        again = set(connection.execute(sa.select(_features.c.id)).scalars())
    engine.dispose()
    assert kept == set(before) and after not in before
    assert again == {*before[:-1], after}
