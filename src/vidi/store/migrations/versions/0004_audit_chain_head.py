"""audit chain head

Appends to the audit chain were not serialised: parallel writers read the same last
event and forked the chain. Every append now locks the one ``audit_head`` row first.
Each event gets a gap-free ``seq`` and a ``hash_version``: version 2 hashes cover every
field (seq and timestamp included). Existing events are not re-chained, because
re-hashing them would also bless any edit made to them before this migration; they
keep version 1 and are verified with the formula they were written with.

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-30 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64


def upgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("hash_version", sa.Integer(), server_default="1", nullable=False)
        )
    # Existing events take their place in id order: 1, 2, 3, ...
    op.execute(
        "UPDATE audit_event SET seq = "
        "(SELECT COUNT(*) FROM audit_event AS earlier WHERE earlier.id <= audit_event.id)"
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint("uq_audit_event_seq", ["seq"])

    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    connection = op.get_bind()
    events = connection.execute(sa.text("SELECT COUNT(*) FROM audit_event")).scalar_one()
    last = connection.execute(
        sa.text("SELECT hash FROM audit_event ORDER BY seq DESC LIMIT 1")
    ).scalar()
    op.bulk_insert(head, [{"id": 1, "events": events, "hash": last or GENESIS}])


def downgrade() -> None:
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_constraint("uq_audit_event_seq", type_="unique")
        batch_op.drop_column("hash_version")
        batch_op.drop_column("seq")
