"""grid indexes: the case's media as a table, and indexes the review grid pages by

The web's review grid pages through a case's media in SHA-256 order (keyset paging),
so page 500 costs what page 1 does. ``case_media`` lists each media item of a case
once (filled from the occurrences as they arrive; ``case_media_sync`` remembers how
far); ``ix_clue_kind_media`` and ``ix_occurrence_source_media`` let the clue-kind and
source filters walk in the same order.

Revision ID: 0014
Revises: 0002
Create Date: 2026-11-30 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_media",
        sa.Column(
            "case_id", sa.Integer(), sa.ForeignKey("case.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "media_sha256",
            sa.String(length=64),
            sa.ForeignKey("media.sha256", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("case_id", "media_sha256"),
    )
    op.create_index("ix_case_media_media_sha256", "case_media", ["media_sha256"])
    op.create_table(
        "case_media_sync",
        sa.Column(
            "case_id", sa.Integer(), sa.ForeignKey("case.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("occurrence_upto", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("case_id"),
    )
    op.create_index("ix_clue_kind_media", "clue", ["kind", "media_sha256"])
    op.create_index("ix_occurrence_source_media", "occurrence", ["source_id", "media_sha256"])


def downgrade() -> None:
    op.drop_index("ix_occurrence_source_media", table_name="occurrence")
    op.drop_index("ix_clue_kind_media", table_name="clue")
    op.drop_table("case_media_sync")
    op.drop_index("ix_case_media_media_sha256", table_name="case_media")
    op.drop_table("case_media")
