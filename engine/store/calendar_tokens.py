"""Read-only calendar tokens: API keys that can only read one athlete's ``plan.ics``.

A calendar app subscribes to ``/athletes/{id}/plan.ics?token=<key>``. The token is an
ordinary API key (only its SHA-256 is stored) named ``calendar`` with the single scope
``plan_ics:read``, so it reaches nothing else. Issuing a new token revokes the previous
ones of that athlete; ``revoke_calendar_tokens`` (or ``cairn keys revoke <id>``) cuts the
feed off.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.store import accounts
from engine.store.tables import ApiKey

CALENDAR_SCOPE = "plan_ics:read"
CALENDAR_KEY_NAME = "calendar"


def _live_calendar_keys(session: Session, athlete_id: int) -> list[ApiKey]:
    query = select(ApiKey).where(
        ApiKey.athlete_id == athlete_id,
        ApiKey.name == CALENDAR_KEY_NAME,
        ApiKey.scopes == CALENDAR_SCOPE,
        ApiKey.revoked_at.is_(None),
    )
    return list(session.scalars(query))


def revoke_calendar_tokens(session: Session, *, athlete_id: int, now: dt.datetime) -> int:
    """Revoke every live calendar token of the athlete; returns how many."""
    keys = _live_calendar_keys(session, athlete_id)
    for key in keys:
        key.revoked_at = now
    session.flush()
    return len(keys)


def issue_calendar_token(session: Session, *, athlete_id: int, now: dt.datetime) -> tuple[str, str]:
    """A new calendar token for the athlete (earlier ones revoked): ``(key_id, token)``.

    Raises ``AthleteNotFoundError`` for an unknown athlete.
    """
    revoke_calendar_tokens(session, athlete_id=athlete_id, now=now)
    row, token = accounts.create_api_key(
        session, athlete_id=athlete_id, scopes=[CALENDAR_SCOPE], name=CALENDAR_KEY_NAME
    )
    return row.key_id, token
