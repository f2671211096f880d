"""near-duplicate groups no longer follow same-scene links

A near-duplicate group (``media.group_id``) is one picture's copies: a reviewer sees
them together and grading "the item and its near-duplicates" grades them all. Same-scene
links (local features, kind ``scene``) joined groups too, so pictures that only share an
object or a wallpaper became one group, and a chain of such links could join hundreds
of different pictures (1,732 of the demo's 2,197). Scene links now only propose series
members. This recomputes every group from the near-duplicate matches alone (``pdq``,
``frame``, ``vpdq``). Downgrading leaves the groups as they are: the older code joins
them again at its next ingest.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEAR_KINDS = ("pdq", "frame", "vpdq")
"""``vidi.matching.matcher.NEAR_KINDS`` when this was written (a migration keeps its own)."""
CHUNK = 5_000

_media = sa.table("media", sa.column("sha256"), sa.column("group_id"))
_match = sa.table("match", sa.column("media_sha256"), sa.column("other_sha256"), sa.column("kind"))


def upgrade() -> None:
    bind = op.get_bind()
    parent: dict[str, str] = {}

    def find(item: str) -> str:
        root = parent.setdefault(item, item)
        while root != parent[root]:
            parent[root] = parent[parent[root]]
            root = parent[root]
        parent[item] = root
        return root

    edges = bind.execute(
        sa.select(_match.c.media_sha256, _match.c.other_sha256).where(
            _match.c.kind.in_(NEAR_KINDS), _match.c.other_sha256.is_not(None)
        )
    )
    for me, other in edges:
        a, b = find(me), find(other)
        if a != b:  # the smaller hash is the root, so a root is its group's id
            parent[max(a, b)] = min(a, b)
    grouped = bind.execute(
        sa.select(_media.c.sha256, _media.c.group_id).where(_media.c.group_id.is_not(None))
    ).all()
    changes = [
        {"key": sha, "wanted": find(sha)} for sha, group in grouped if find(sha) != group
    ]
    statement = (
        sa.update(_media)
        .where(_media.c.sha256 == sa.bindparam("key"))
        .values(group_id=sa.bindparam("wanted"))
    )
    for start in range(0, len(changes), CHUNK):
        bind.execute(statement, changes[start : start + CHUNK])


def downgrade() -> None:
    pass
