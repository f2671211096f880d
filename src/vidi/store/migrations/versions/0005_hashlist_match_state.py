"""hash list match state

``hashlist.matched_at`` is NULL while the media already stored have not yet been matched
against the list: set so in the import's own transaction, filled in once matching
finishes. A process killed in between leaves it NULL, and the next import, ingest or
match finishes the work. Lists imported before this revision are marked unmatched
too, since whether their matching finished was never recorded; matching again is
idempotent.

Revision ID: 0005
Revises: 0002
Create Date: 2026-12-01 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hashlist", schema=None) as batch_op:
        batch_op.add_column(sa.Column("matched_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hashlist", schema=None) as batch_op:
        batch_op.drop_column("matched_at")
