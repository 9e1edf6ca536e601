"""prepared answers: one athlete's recommendation of a day, with the key of its inputs

The nightly batch (``cairn nightly --answers``) and every computed answer write the day's
recommendation here; a request whose inputs hash to the same key (logs, locks, goals,
models, rules, code) is answered from the row instead of being solved again.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 23:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prepared_answer",
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("inputs_key", sa.String(length=64), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["athlete_id"], ["athlete.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("athlete_id", "date"),
    )


def downgrade() -> None:
    op.drop_table("prepared_answer")
