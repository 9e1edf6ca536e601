"""Managing accounts after creation: list, (de)activate, unlink a coach, set a password.

Every function takes the DB session keyword-only and raises ``ValueError`` naming the
username or athlete when the change cannot be made. Deactivation takes effect on the next
request: the API re-reads the user (and, for API keys, the athlete's login) every time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from engine.store import accounts, credentials
from engine.store.tables import CoachAthlete, User


@dataclass(frozen=True)
class UserRecord:
    """A user as shown to an admin (never the password hash)."""

    id: int
    username: str
    role: str
    athlete_id: int | None
    is_active: bool
    linked_athletes: tuple[int, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "username": self.username,
            "role": self.role,
            "athlete_id": self.athlete_id,
            "is_active": self.is_active,
            "linked_athletes": list(self.linked_athletes),
        }


def _record(session: Session, user: User) -> UserRecord:
    links = session.scalars(
        select(CoachAthlete.athlete_id)
        .where(CoachAthlete.coach_id == user.id)
        .order_by(CoachAthlete.athlete_id)
    ).all()
    return UserRecord(
        id=user.id,
        username=user.username,
        role=user.role,
        athlete_id=user.athlete_id,
        is_active=bool(user.is_active),
        linked_athletes=tuple(links),
    )


def _user(session: Session, username: str) -> User:
    user = accounts.read_user_by_name(session, username=username)
    if user is None:
        raise LookupError(f"no user named {username!r}")
    return user


def read_users_page(
    session: Session, *, limit: int = 100, offset: int = 0
) -> tuple[list[UserRecord], int]:
    """A page of users ordered by id, and the total."""
    total = session.scalar(select(func.count()).select_from(User)) or 0
    users: Sequence[User] = session.scalars(
        select(User).order_by(User.id).limit(limit).offset(offset)
    ).all()
    return [_record(session, u) for u in users], total


def read_user_record(session: Session, *, username: str) -> UserRecord:
    """One user; raises ``LookupError`` when there is none."""
    return _record(session, _user(session, username))


def set_active(session: Session, *, username: str, active: bool) -> UserRecord:
    """Activate or deactivate a user (idempotent). A deactivated user's tokens stop at once,
    and so do the API keys of an athlete whose every login is deactivated."""
    user = _user(session, username)
    user.is_active = active
    session.flush()
    return _record(session, user)


def set_password(session: Session, *, username: str, password: str) -> UserRecord:
    """Replace a user's password (argon2id hash); at least 8 characters."""
    if len(password) < accounts.MIN_PASSWORD_LENGTH:
        raise ValueError(f"password: at least {accounts.MIN_PASSWORD_LENGTH} characters")
    user = _user(session, username)
    user.password_hash = credentials.hash_password(password)
    session.flush()
    return _record(session, user)


def unlink_coach(session: Session, *, username: str, athlete_id: int) -> UserRecord:
    """Remove a coach's link to an athlete; raises ``LookupError`` when there is none."""
    user = _user(session, username)
    result = session.execute(
        delete(CoachAthlete).where(
            CoachAthlete.coach_id == user.id, CoachAthlete.athlete_id == athlete_id
        )
    )
    if not getattr(result, "rowcount", 0):
        raise LookupError(f"user {username!r} is not linked to athlete {athlete_id}")
    session.flush()
    return _record(session, user)


def athlete_login_active(session: Session, *, athlete_id: int) -> bool:
    """False when the athlete has sign-in accounts and every one is deactivated (their API
    keys and calendar tokens then stop too); True otherwise (keys-only athletes included)."""
    rows = session.execute(
        select(User.is_active).where(User.role == "athlete", User.athlete_id == athlete_id)
    ).all()
    return not rows or any(bool(active) for (active,) in rows)
