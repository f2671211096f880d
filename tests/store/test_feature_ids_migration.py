"""Migration 0017: a deleted feature set's id is never given to another (it names a row of
the object index, docs/objects.md)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command

from vidi.store.db import alembic_config, make_engine

_features = sa.table(
    "local_features",
    *(sa.column(name) for name in ("id", "extractor", "points", "data", "created_at")),
)


def _add(connection: sa.Connection) -> int:
    row = {"extractor": "orb-1", "points": 0, "data": b"", "created_at": datetime.now(UTC)}
    return int(connection.execute(sa.insert(_features).returning(_features.c.id), row).scalar_one())


def test_a_deleted_feature_sets_id_is_never_given_again(migration_url: str) -> None:
    engine = make_engine(migration_url)
    config = alembic_config(migration_url)
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
