"""ingest run failure, owner and progress

A run that fails records why; a run records the process and host that run it and when
it last made progress, so a run left 'running' by a killed process can be told stale;
and how many evidence files had to be read without O_NOATIME.

Revision ID: 0006
Revises: 0002
Create Date: 2026-11-30 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ingest_run", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failure", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("pid", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("host", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("progress_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("atime_fallbacks", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("ingest_run", schema=None) as batch_op:
        batch_op.drop_column("atime_fallbacks")
        batch_op.drop_column("progress_at")
        batch_op.drop_column("host")
        batch_op.drop_column("pid")
        batch_op.drop_column("failure")
