"""Migration 0019: near-duplicate groups are recomputed from near matches alone, so
pictures that a same-scene link had joined are split again (docs/objects.md,
"Same-scene links")."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import command

from vidi.store.db import alembic_config, make_engine

_media = sa.table(
    "media",
    *(
        sa.column(c)
        for c in ("sha256", "md5", "sha1", "media_type", "format", "size", "first_seen_at")
    ),
    sa.column("group_id"),
)
_match = sa.table(
    "match",
    *(sa.column(c) for c in ("media_sha256", "other_sha256", "kind", "distance", "created_at")),
)


def _sha(n: int) -> str:
    return f"{n:x}" * 64


def test_groups_joined_only_by_a_scene_link_are_split(migration_url: str) -> None:
    engine = make_engine(migration_url)
    config = alembic_config(migration_url)
    now = datetime.now(UTC)
    # 1-2 near copies, 2-3 the same room, 3-4 near copies (4 found from 3's side
    # only), 5 never grouped; the old code put 1 to 4 in one group.
    groups = {1: _sha(1), 2: _sha(1), 3: _sha(1), 4: _sha(1), 5: None}
    links = [(1, 2, "pdq"), (2, 1, "pdq"), (2, 3, "scene"), (3, 2, "scene"), (4, 3, "vpdq")]
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0018")
        connection.execute(
            sa.insert(_media),
            [
                {
                    "sha256": _sha(n),
                    "md5": "0" * 32,
                    "sha1": "0" * 40,
                    "media_type": "image",
                    "format": "JPEG",
                    "size": 10,
                    "first_seen_at": now,
                    "group_id": group,
                }
                for n, group in groups.items()
            ],
        )
        connection.execute(
            sa.insert(_match),
            [
                {
                    "media_sha256": _sha(a),
                    "other_sha256": _sha(b),
                    "kind": kind,
                    "distance": 0.0,
                    "created_at": now,
                }
                for a, b, kind in links
            ],
        )
        command.upgrade(config, "0019")
        after = dict(connection.execute(sa.select(_media.c.sha256, _media.c.group_id)).all())
        scene = connection.execute(
            sa.select(sa.func.count()).select_from(_match).where(_match.c.kind == "scene")
        ).scalar_one()
    engine.dispose()
    assert after == {
        _sha(1): _sha(1),
        _sha(2): _sha(1),
        _sha(3): _sha(3),
        _sha(4): _sha(3),
        _sha(5): None,
    }
    assert scene == 2  # the links stay: they propose series members
