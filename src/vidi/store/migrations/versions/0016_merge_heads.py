"""merge the branches written side by side

Migrations 0003 to 0015 were each written on top of 0002 while the changes they belong
to were made at the same time; none depends on another. This revision joins them so the
schema has one head again.

Revision ID: 0016
Revises: 0003, 0004, 0005, 0006, 0007, 0008, 0009, 0010, 0011, 0012, 0014, 0015
Create Date: 2026-11-30 11:40:00
"""

from collections.abc import Sequence

revision: str = "0016"
down_revision: str | Sequence[str] | None = (
    "0003",
    "0004",
    "0005",
    "0006",
    "0007",
    "0008",
    "0009",
    "0010",
    "0011",
    "0012",
    "0014",
    "0015",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
