"""jobs: distributed ingest and extraction, and their chunks

A distributed job's state lives in the database, not the broker: ``job`` says what
was asked, ``job_chunk`` each part's state, attempts and counts, so a job survives the
loss of its broker and a worker killed mid-chunk.

Revision ID: 0015
Revises: 0002
Create Date: 2026-11-30 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column(
            "case_id", sa.Integer(), sa.ForeignKey("case.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("paths", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column(
            "run_id",
            sa.Integer(),
            sa.ForeignKey("ingest_run.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("chunks", sa.Integer(), nullable=False),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_job_case_id", "job", ["case_id"])
    op.create_table(
        "job_chunk",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "job_id", sa.Integer(), sa.ForeignKey("job.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("entries", sa.JSON(), nullable=True),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=255), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("files_seen", sa.Integer(), nullable=False),
        sa.Column("files_skipped", sa.Integer(), nullable=False),
        sa.Column("bytes_seen", sa.BigInteger(), nullable=False),
        sa.Column("media_new", sa.Integer(), nullable=False),
        sa.Column("media_known", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("clues", sa.Integer(), nullable=False),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.UniqueConstraint("job_id", "seq", name="uq_job_chunk_seq"),
    )
    op.create_index("ix_job_chunk_job_id", "job_chunk", ["job_id"])


def downgrade() -> None:
    op.drop_index("ix_job_chunk_job_id", table_name="job_chunk")
    op.drop_table("job_chunk")
    op.drop_index("ix_job_case_id", table_name="job")
    op.drop_table("job")
