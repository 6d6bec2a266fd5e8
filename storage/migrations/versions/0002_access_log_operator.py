"""access log entries without a person, for the operator's command line

Revision ID: 0002_access_log_operator
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_access_log_operator"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # `refleks summary` is run by the operator, who is no person in the bot; the entry is
    # still written (viewer NULL, detail names the command line).
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.alter_column("viewer_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM access_log WHERE viewer_id IS NULL")
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.alter_column("viewer_id", existing_type=sa.Integer(), nullable=False)
