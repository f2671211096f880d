"""case public id: one stable CaseID per case in every export

A VICS export names its case with a ``CaseID``; other tools use it to tell a new
case from a fresh export of one they already hold. Each case gets a random UUID at
creation; existing cases are given one here.

Revision ID: 0011
Revises: 0002
Create Date: 2026-12-01 10:00:00
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_id", sa.String(length=36), nullable=True))
    case = sa.table("case", sa.column("id", sa.Integer), sa.column("public_id", sa.String))
    connection = op.get_bind()
    for (case_id,) in connection.execute(sa.select(case.c.id)).all():
        connection.execute(
            case.update().where(case.c.id == case_id).values(public_id=str(uuid.uuid4()))
        )
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.alter_column("public_id", existing_type=sa.String(length=36), nullable=False)
        batch_op.create_index("ix_case_public_id", ["public_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index("ix_case_public_id")
        batch_op.drop_column("public_id")
