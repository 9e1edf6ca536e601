"""goal events (races with a date, distance, climb and priority A/B/C); athlete time zone

Revision ID: 0006
Revises: 0003
Create Date: 2026-12-04 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "goal_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("distance_km", sa.Float(), nullable=False),
        sa.Column("climb_m", sa.Float(), nullable=False),
        sa.Column("priority", sa.String(length=1), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["athlete_id"], ["athlete.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_goal_event_athlete_id", "goal_event", ["athlete_id"])
    op.add_column("athlete", sa.Column("timezone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("athlete") as batch:
        batch.drop_column("timezone")
    op.drop_index("ix_goal_event_athlete_id", table_name="goal_event")
    op.drop_table("goal_event")
