"""gallery items keep their mirror image's features

The feature stage asks a new picture's points of every gallery item's descriptors; an
item shown mirrored (a selfie camera, a reversed print) is found by the item's mirror
image, described once at import. Items imported before this have none: importing the
gallery again adds them.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 03:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("gallery_item") as batch:
        batch.add_column(sa.Column("mirror_features", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("gallery_item") as batch:
        batch.drop_column("mirror_features")
