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


# One statement per reservation: the rows of a send's limits are locked only while the
# server runs this, never across round trips, so many senders hardly wait for each other.
RESERVE = """
CREATE FUNCTION pacing_reserve(
    keys text[], intervals float8[], given_now float8, horizon float8,
    OUT start float8, OUT clock float8, OUT reserved boolean
) LANGUAGE plpgsql AS $$
DECLARE
    every_key text[] := keys || ARRAY['pause'];
BEGIN
    clock := coalesce(given_now, extract(epoch FROM clock_timestamp()));
    INSERT INTO pacing_cells (key, tat)
    SELECT k, 0 FROM unnest(every_key) AS k ORDER BY k
    ON CONFLICT (key) DO NOTHING;
    SELECT greatest(clock, max(locked.tat)) INTO start FROM (
        SELECT tat FROM pacing_cells WHERE key = ANY(every_key) ORDER BY key FOR UPDATE
    ) AS locked;
    reserved := start - clock <= horizon;
    IF reserved THEN
        UPDATE pacing_cells SET tat = greatest(pacing_cells.tat, start) + step.interval
        FROM unnest(keys, intervals) AS step(key, interval)
        WHERE pacing_cells.key = step.key;
    END IF;
END
$$
"""


def upgrade() -> None:
    # Telegram's limits hold for the bot as a whole, so several senders keep them together.
    op.create_table(
        "pacing_cells",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("tat", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_pacing_cells")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(RESERVE)
    op.create_table(
        "job_runs",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("worker", sa.String(length=96), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_runs")),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION pacing_reserve")
    op.drop_table("job_runs")
    op.drop_table("pacing_cells")
