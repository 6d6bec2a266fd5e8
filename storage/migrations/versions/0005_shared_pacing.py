"""pacing cells and run-once job periods, shared by every process

Revision ID: 0005_shared_pacing
Revises: 0004_answers_visibility
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_shared_pacing"
down_revision: str | None = "0004_answers_visibility"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Telegram's limits hold for the bot as a whole, so several senders keep them together.
    op.create_table(
        "pacing_cells",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("tat", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_pacing_cells")),
    )
    op.create_table(
        "job_runs",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("worker", sa.String(length=96), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_runs")),
    )


def downgrade() -> None:
    op.drop_table("job_runs")
    op.drop_table("pacing_cells")
