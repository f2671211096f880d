"""publications and tips: Trace an Object inside the workbench

Object crops proposed for the public portal (who proposed, approved and withdrew each,
the crop blob and its SHA-256, the person check that ran) and the tips that come back
from the portal in signed bundles (their status, an abuse flag, the clue made of them).

Revision ID: 0012
Revises: 0002
Create Date: 2026-12-03 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "publication",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("media_sha256", sa.String(length=64), nullable=False),
        sa.Column("box", sa.JSON(), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("crop_path", sa.String(length=200), nullable=False),
        sa.Column("crop_sha256", sa.String(length=64), nullable=False),
        sa.Column("crop_width", sa.Integer(), nullable=False),
        sa.Column("crop_height", sa.Integer(), nullable=False),
        sa.Column("person_check", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approver", sa.String(length=200), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by", sa.String(length=200), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdraw_reason", sa.Text(), nullable=True),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["media_sha256"], ["media.sha256"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("public_id"),
    )
    op.create_index("ix_publication_case_id", "publication", ["case_id"])
    op.create_index("ix_publication_media_sha256", "publication", ["media_sha256"])
    op.create_index("ix_publication_status", "publication", ["status"])
    op.create_table(
        "tip",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tip_id", sa.String(length=64), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=True),
        sa.Column("object_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("where_seen", sa.Text(), nullable=False),
        sa.Column("contact", sa.Text(), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("abuse_flag", sa.Boolean(), nullable=False),
        sa.Column("abuse_reason", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("clue_id", sa.Integer(), nullable=True),
        sa.Column("bundle_signer", sa.String(length=64), nullable=False),
        sa.Column("imported_by", sa.String(length=200), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_by", sa.String(length=200), nullable=True),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["publication_id"], ["publication.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["clue_id"], ["clue.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("tip_id"),
    )
    op.create_index("ix_tip_publication_id", "tip", ["publication_id"])
    op.create_index("ix_tip_status", "tip", ["status"])


def downgrade() -> None:
    op.drop_table("tip")
    op.drop_table("publication")
