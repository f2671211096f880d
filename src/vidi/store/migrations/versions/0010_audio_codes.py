"""audio codes: an inverted index of Chromaprint sub-fingerprint codes

Audio links look up the tracks that share codes with a new track instead of comparing
it with every stored track. Existing fingerprints are indexed here.

Revision ID: 0010
Revises: 0002
Create Date: 2026-11-30 10:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CODE_SHIFT = 12  # vidi.matching.audio_index.CODE_SHIFT at the time of writing


def upgrade() -> None:
    table = op.create_table(
        "audio_code",
        sa.Column("code", sa.Integer(), nullable=False),
        sa.Column(
            "media_sha256",
            sa.String(length=64),
            sa.ForeignKey("media.sha256", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("offset", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", "media_sha256"),
    )
    op.create_index("ix_audio_code_media_sha256", "audio_code", ["media_sha256"])
    prints = sa.table(
        "audio_fingerprint", sa.column("media_sha256", sa.String), sa.column("fingerprint", sa.JSON)
    )
    connection = op.get_bind()
    for sha, fingerprint in connection.execute(sa.select(prints.c.media_sha256, prints.c.fingerprint)):
        first: dict[int, int] = {}
        for offset, item in enumerate(fingerprint or []):
            first.setdefault((int(item) & 0xFFFFFFFF) >> CODE_SHIFT, offset)
        rows = [{"code": c, "media_sha256": sha, "offset": o} for c, o in first.items()]
        if rows:
            connection.execute(table.insert(), rows)


def downgrade() -> None:
    op.drop_index("ix_audio_code_media_sha256", table_name="audio_code")
    op.drop_table("audio_code")
