"""accounts, coach links, API keys, jobs, idempotency records

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_ACTIVE = sa.text("state IN ('queued', 'running')")


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["athlete_id"], ["athlete.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_index("ix_app_user_athlete_id", "app_user", ["athlete_id"])

    op.create_table(
        "coach_athlete",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["coach_id"], ["app_user.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["athlete_id"], ["athlete.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("coach_id", "athlete_id"),
    )
    op.create_index("ix_coach_athlete_coach_id", "coach_athlete", ["coach_id"])
    op.create_index("ix_coach_athlete_athlete_id", "coach_athlete", ["athlete_id"])

    op.create_table(
        "api_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("scopes", sa.String(length=400), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["athlete_id"], ["athlete.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_id"),
    )
    op.create_index("ix_api_key_athlete_id", "api_key", ["athlete_id"])

    op.create_table(
        "job",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("stage", sa.String(length=80), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("owner", sa.String(length=160), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(["requested_by"], ["app_user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_job_state", "job", ["state"])
    # One active (queued or running) job per kind, enforced by the database itself.
    op.create_index(
        "uq_job_active_kind",
        "job",
        ["kind"],
        unique=True,
        sqlite_where=_ACTIVE,
        postgresql_where=_ACTIVE,
    )

    op.create_table(
        "idempotency_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["athlete_id"], ["athlete.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("athlete_id", "key"),
    )
    op.create_index("ix_idempotency_record_athlete_id", "idempotency_record", ["athlete_id"])
    op.create_index("ix_idempotency_record_created_at", "idempotency_record", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_idempotency_record_created_at", table_name="idempotency_record")
    op.drop_index("ix_idempotency_record_athlete_id", table_name="idempotency_record")
    op.drop_table("idempotency_record")
    op.drop_index("uq_job_active_kind", table_name="job")
    op.drop_index("ix_job_state", table_name="job")
    op.drop_table("job")
    op.drop_index("ix_api_key_athlete_id", table_name="api_key")
    op.drop_table("api_key")
    op.drop_index("ix_coach_athlete_athlete_id", table_name="coach_athlete")
    op.drop_index("ix_coach_athlete_coach_id", table_name="coach_athlete")
    op.drop_table("coach_athlete")
    op.drop_index("ix_app_user_athlete_id", table_name="app_user")
    op.drop_table("app_user")
