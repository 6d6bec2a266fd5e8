"""index answers by visibility, for summaries

Revision ID: 0004_answers_visibility
Revises: 0003_followup_opening
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004_answers_visibility"
down_revision: str | None = "0003_followup_opening"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Most answers are private or only count in aggregates; summaries read the shared few.
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.create_index("ix_answers_visibility", ["visibility"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_index("ix_answers_visibility")
