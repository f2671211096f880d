"""local features, galleries

Keypoints and binary descriptors per picture (media or gallery item) for the object
search, and labelled reference galleries. Same-scene links are ``match`` rows of kind
``scene`` and need no table.

Revision ID: 0008
Revises: 0002
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gallery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("folder", sa.Text(), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "gallery_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gallery_id", sa.Integer(), nullable=False),
        sa.Column("file", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("thumbnail", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["gallery_id"], ["gallery.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("gallery_id", "file", name="uq_gallery_item_file"),
    )
    op.create_index("ix_gallery_item_gallery_id", "gallery_item", ["gallery_id"])
    op.create_table(
        "local_features",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("media_sha256", sa.String(length=64), nullable=True),
        sa.Column("gallery_item_id", sa.Integer(), nullable=True),
        sa.Column("extractor", sa.String(length=32), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["media_sha256"], ["media.sha256"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["gallery_item_id"], ["gallery_item.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("media_sha256"),
        sa.UniqueConstraint("gallery_item_id"),
    )


def downgrade() -> None:
    op.drop_table("local_features")
    op.drop_index("ix_gallery_item_gallery_id", table_name="gallery_item")
    op.drop_table("gallery_item")
    op.drop_table("gallery")
