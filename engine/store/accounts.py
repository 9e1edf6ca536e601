"""Users, coach-athlete links and API keys. Every function takes the DB session keyword-only."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.store import credentials, logbook
from engine.store.tables import ApiKey, Athlete, CoachAthlete, User

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9._@-]{3,80}$")
MIN_PASSWORD_LENGTH = 8


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _check_new_user(session: Session, *, username: str, role: str, athlete_id: int | None) -> None:
    if not USERNAME_PATTERN.match(username):
        raise ValueError(f"username {username!r}: use 3-80 letters, digits or ._@-")
    if role not in credentials.ROLES:
        raise ValueError(f"role {role!r}: must be one of {', '.join(credentials.ROLES)}")
    if (role == "athlete") != (athlete_id is not None):
        raise ValueError("athlete_id is required for role 'athlete' and only for it")
    if athlete_id is not None:
        logbook.read_athlete(session, athlete_id=athlete_id)
    if read_user_by_name(session, username=username) is not None:
        raise ValueError(f"username {username!r} is taken")


def create_user(
    session: Session, *, username: str, password: str, role: str, athlete_id: int | None = None
) -> User:
    """Insert a user with an argon2 password hash; raises ``ValueError`` on bad input."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password: at least {MIN_PASSWORD_LENGTH} characters")
    _check_new_user(session, username=username, role=role, athlete_id=athlete_id)
    user = User(
        username=username,
        password_hash=credentials.hash_password(password),
        role=role,
        athlete_id=athlete_id,
        is_active=True,
    )
    session.add(user)
    session.flush()
    return user


def read_user(session: Session, *, user_id: int) -> User | None:
    """The user with this id, or None."""
    return session.get(User, user_id)


def read_user_by_name(session: Session, *, username: str) -> User | None:
    """The user with this username, or None."""
    return session.scalars(select(User).where(User.username == username)).first()


def authenticate_user(session: Session, *, username: str, password: str) -> User | None:
    """The active user whose password matches, else None (same cost either way)."""
    user = read_user_by_name(session, username=username)
    ok = credentials.verify_password(password, user.password_hash if user else None)
    return user if ok and user is not None and user.is_active else None


def ensure_demo_user(session: Session, *, athlete_id: int, username: str = "demo") -> str:
    """Create (or reset) the demo athlete login and return its new random password."""
    password = secrets.token_urlsafe(12)
    user = read_user_by_name(session, username=username)
    if user is None:
        create_user(
            session, username=username, password=password, role="athlete", athlete_id=athlete_id
        )
    else:
        user.password_hash = credentials.hash_password(password)
        user.athlete_id, user.role, user.is_active = athlete_id, "athlete", True
        session.flush()
    return password


def link_coach(session: Session, *, coach_username: str, athlete_id: int) -> CoachAthlete:
    """Let a coach see an athlete (idempotent); raises ``ValueError``/``AthleteNotFoundError``."""
    coach = read_user_by_name(session, username=coach_username)
    if coach is None or coach.role != "coach":
        raise ValueError(f"no coach named {coach_username!r}")
    logbook.read_athlete(session, athlete_id=athlete_id)
    return link_coach_id(session, coach_id=coach.id, athlete_id=athlete_id)


def link_coach_id(session: Session, *, coach_id: int, athlete_id: int) -> CoachAthlete:
    """Insert the coach-athlete link unless it exists; returns it."""
    query = select(CoachAthlete).where(
        CoachAthlete.coach_id == coach_id, CoachAthlete.athlete_id == athlete_id
    )
    link = session.scalars(query).first()
    if link is None:
        link = CoachAthlete(coach_id=coach_id, athlete_id=athlete_id)
        session.add(link)
        session.flush()
    return link


def is_linked(session: Session, *, coach_id: int, athlete_id: int) -> bool:
    """True when the coach is linked to the athlete."""
    query = select(CoachAthlete.id).where(
        CoachAthlete.coach_id == coach_id, CoachAthlete.athlete_id == athlete_id
    )
    return session.scalar(query) is not None


def read_athletes_page(
    session: Session, *, coach_id: int | None, only_id: int | None, limit: int, offset: int
) -> tuple[Sequence[Athlete], int]:
    """A page of athletes ordered by id and the total: all, a coach's linked ones, or one."""
    query = select(Athlete)
    if coach_id is not None:
        query = query.join(CoachAthlete, CoachAthlete.athlete_id == Athlete.id).where(
            CoachAthlete.coach_id == coach_id
        )
    if only_id is not None:
        query = query.where(Athlete.id == only_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Athlete.id).limit(limit).offset(offset)).all()
    return rows, total


def create_api_key(
    session: Session, *, athlete_id: int, scopes: Sequence[str], name: str = ""
) -> tuple[ApiKey, str]:
    """Insert a key for one athlete; returns (row, full key). Only the hash is stored."""
    logbook.read_athlete(session, athlete_id=athlete_id)
    checked = credentials.parse_scopes(list(scopes))
    full_key, key_id, key_hash = credentials.generate_api_key()
    row = ApiKey(
        key_id=key_id, key_hash=key_hash, athlete_id=athlete_id, scopes=" ".join(checked), name=name
    )
    session.add(row)
    session.flush()
    return row, full_key


def read_api_key(session: Session, *, key: str) -> ApiKey | None:
    """The live (not revoked) key row matching the presented key, else None."""
    parts = credentials.split_api_key(key)
    if parts is None:
        return None
    key_id, secret = parts
    row = session.scalars(select(ApiKey).where(ApiKey.key_id == key_id)).first()
    if row is None or row.revoked_at is not None:
        return None
    return row if credentials.api_secret_matches(secret, row.key_hash) else None


def revoke_api_key(session: Session, *, key_id: str) -> bool:
    """Revoke a key by its public id; False when there is no such live key."""
    row = session.scalars(select(ApiKey).where(ApiKey.key_id == key_id)).first()
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = _utcnow()
    session.flush()
    return True
