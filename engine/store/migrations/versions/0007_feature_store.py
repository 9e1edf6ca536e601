"""daily feature store, dirty markers kept by triggers, nightly morning scores

Every INSERT, UPDATE or DELETE of a row the daily features read (sessions, strength sets,
check-ins, injuries, and the athlete's profile fields) marks the athlete in
``feature_dirty`` in the same transaction, whatever code path wrote: ``from_date`` becomes
the earliest day touched (the OLD day too on update or delete), ``seq`` grows by one. SQLite
gets plain triggers with an UPSERT; PostgreSQL one plpgsql marking function and a trigger
function per table.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 20:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# A profile change (birth year, sex, experience, HR bounds) changes every row of the athlete.
FROM_START = "1900-01-01"
PROFILE_COLUMNS = ("birth_year", "sex", "experience_years", "max_hr", "resting_hr")
# table -> (athlete column, day column) of the rows that carry their own athlete and day
DATED_TABLES = {
    "training_session": ("athlete_id", "date"),
    "wellness_checkin": ("athlete_id", "date"),
    "injury": ("athlete_id", "start_date"),
}
SQLITE_OPS = ("INSERT", "UPDATE", "DELETE")


def _create_tables() -> None:
    op.create_table(
        "feature_day",
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("values", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["athlete_id"], ["athlete.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("athlete_id", "date"),
    )
    op.create_table(
        "feature_dirty",
        sa.Column("athlete_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("athlete_id"),
    )
    op.create_table(
        "morning_score",
        sa.Column("athlete_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("feature_version", sa.String(length=40), nullable=False),
        sa.Column("model_versions", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["athlete_id"], ["athlete.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("athlete_id", "date"),
    )


def _sqlite_upsert(athlete: str, day: str) -> str:
    return (
        "INSERT INTO feature_dirty (athlete_id, from_date, seq) "
        f"VALUES ({athlete}, {day}, 1) ON CONFLICT (athlete_id) DO UPDATE SET "
        "from_date = min(feature_dirty.from_date, excluded.from_date), "
        "seq = feature_dirty.seq + 1;"
    )


def _sqlite_set_upsert(row: str) -> str:
    return (
        "INSERT INTO feature_dirty (athlete_id, from_date, seq) "
        f"SELECT athlete_id, date, 1 FROM training_session WHERE id = {row}.session_id "
        "ON CONFLICT (athlete_id) DO UPDATE SET "
        "from_date = min(feature_dirty.from_date, excluded.from_date), "
        "seq = feature_dirty.seq + 1;"
    )


def _sqlite_triggers() -> list[str]:
    statements = []
    for table, (athlete, day) in DATED_TABLES.items():
        for operation in SQLITE_OPS:
            rows = {"INSERT": ("NEW",), "UPDATE": ("OLD", "NEW"), "DELETE": ("OLD",)}[operation]
            body = " ".join(_sqlite_upsert(f"{r}.{athlete}", f"{r}.{day}") for r in rows)
            statements.append(
                f"CREATE TRIGGER fd_{table}_{operation.lower()} AFTER {operation} ON {table} "
                f"FOR EACH ROW BEGIN {body} END"
            )
    for operation in SQLITE_OPS:
        rows = {"INSERT": ("NEW",), "UPDATE": ("OLD", "NEW"), "DELETE": ("OLD",)}[operation]
        body = " ".join(_sqlite_set_upsert(r) for r in rows)
        statements.append(
            f"CREATE TRIGGER fd_strength_set_{operation.lower()} AFTER {operation} "
            f"ON strength_set FOR EACH ROW BEGIN {body} END"
        )
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in PROFILE_COLUMNS)
    statements.append(
        f"CREATE TRIGGER fd_athlete_update AFTER UPDATE ON athlete FOR EACH ROW WHEN {changed} "
        f"BEGIN {_sqlite_upsert('NEW.id', repr(FROM_START))} END"
    )
    return statements


def _sqlite_trigger_names() -> list[str]:
    names = [f"fd_{t}_{o.lower()}" for t in DATED_TABLES for o in SQLITE_OPS]
    return names + [f"fd_strength_set_{o.lower()}" for o in SQLITE_OPS] + ["fd_athlete_update"]


_PG_MARK = """
CREATE FUNCTION cairn_mark_feature_dirty(aid integer, day date) RETURNS void AS $$
BEGIN
  INSERT INTO feature_dirty (athlete_id, from_date, seq) VALUES (aid, day, 1)
  ON CONFLICT (athlete_id) DO UPDATE SET
    from_date = LEAST(feature_dirty.from_date, EXCLUDED.from_date),
    seq = feature_dirty.seq + 1;
END $$ LANGUAGE plpgsql
"""


def _pg_dated_function(table: str, athlete: str, day: str) -> str:
    return f"""
CREATE FUNCTION cairn_fd_{table}() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM cairn_mark_feature_dirty(OLD.{athlete}, OLD.{day});
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM cairn_mark_feature_dirty(NEW.{athlete}, NEW.{day});
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""


_PG_SET_FUNCTION = """
CREATE FUNCTION cairn_fd_strength_set() RETURNS trigger AS $$
DECLARE
  aid integer;
  day date;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    SELECT athlete_id, date INTO aid, day FROM training_session WHERE id = OLD.session_id;
    IF FOUND THEN PERFORM cairn_mark_feature_dirty(aid, day); END IF;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    SELECT athlete_id, date INTO aid, day FROM training_session WHERE id = NEW.session_id;
    IF FOUND THEN PERFORM cairn_mark_feature_dirty(aid, day); END IF;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""

_PG_ATHLETE_FUNCTION = f"""
CREATE FUNCTION cairn_fd_athlete() RETURNS trigger AS $$
BEGIN
  PERFORM cairn_mark_feature_dirty(NEW.id, DATE '{FROM_START}');
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""


def _pg_statements() -> list[str]:
    statements = [_PG_MARK]
    for table, (athlete, day) in DATED_TABLES.items():
        statements.append(_pg_dated_function(table, athlete, day))
    statements += [_PG_SET_FUNCTION, _PG_ATHLETE_FUNCTION]
    for table in [*DATED_TABLES, "strength_set"]:
        statements.append(
            f"CREATE TRIGGER fd_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE PROCEDURE cairn_fd_{table}()"
        )
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in PROFILE_COLUMNS)
    statements.append(
        f"CREATE TRIGGER fd_athlete AFTER UPDATE ON athlete FOR EACH ROW WHEN ({changed}) "
        "EXECUTE PROCEDURE cairn_fd_athlete()"
    )
    return statements


def _pg_drop_statements() -> list[str]:
    tables = [*DATED_TABLES, "strength_set", "athlete"]
    drops = [f"DROP TRIGGER IF EXISTS fd_{t} ON {t}" for t in tables]
    drops += [f"DROP FUNCTION IF EXISTS cairn_fd_{t}()" for t in tables]
    return [*drops, "DROP FUNCTION IF EXISTS cairn_mark_feature_dirty(integer, date)"]


def upgrade() -> None:
    _create_tables()
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        statements = _sqlite_triggers()
    elif dialect == "postgresql":
        statements = _pg_statements()
    else:
        raise NotImplementedError(f"feature_dirty triggers for {dialect} are not written")
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        statements = [f"DROP TRIGGER IF EXISTS {n}" for n in _sqlite_trigger_names()]
    else:
        statements = _pg_drop_statements()
    for statement in statements:
        op.execute(statement)
    op.drop_table("morning_score")
    op.drop_table("feature_dirty")
    op.drop_table("feature_day")
