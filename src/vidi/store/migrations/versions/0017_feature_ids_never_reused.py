"""local feature ids are never given twice

A feature set's id is its row in the object index. SQLite gives a deleted row's id to
the next row unless the table is AUTOINCREMENT, so a gallery imported again under its
name gave its new items the old items' ids, and the index ranked them by the old
pictures' words. The table is rebuilt with AUTOINCREMENT (rows and ids kept); on
PostgreSQL a sequence never gives an id twice, so nothing changes there.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 02:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "local_features", recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
    ):
        pass


def upgrade() -> None:
    _rebuild(True)


def downgrade() -> None:
    _rebuild(False)
