"""The athlete's calendar: their IANA time zone, their "today", and one timestamp convention.

Convention (docs/import-formats.md): a session's ``start_time`` is stored as the athlete's
local wall-clock time without an offset, and its ``date`` is that local date. The API takes
local times (as its contract says); FIT files are shifted by their own ``local_timestamp``;
GPX times are UTC and are converted here with the athlete's time zone. So the same run from
two sources lands on the same day. "Today" in the API and the CLI is the athlete's local date.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
from sqlalchemy.orm import Session

from engine.settings import Settings
from engine.store import logbook

UTC_FORMATS = frozenset({"gpx"})  # importers whose start times are UTC


def check_timezone(name: str) -> str:
    """``name`` if it is an IANA time zone (e.g. ``Europe/Oslo``), else ``ValueError``."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ValueError(f"timezone must be an IANA name like Europe/Oslo, got {name!r}") from err
    return name


def athlete_zone(session: Session, *, athlete_id: int, settings: Settings) -> ZoneInfo:
    """The athlete's time zone, else the configured default (raises ``AthleteNotFoundError``)."""
    athlete = logbook.read_athlete(session, athlete_id=athlete_id)
    return ZoneInfo(athlete.timezone or settings.default_timezone)


def local_today(zone: ZoneInfo, *, now: dt.datetime | None = None) -> dt.date:
    """The local date in ``zone`` at ``now`` (an aware time; default: the current time)."""
    moment = now or dt.datetime.now(dt.UTC)
    return moment.astimezone(zone).date()


def athlete_today(
    session: Session, *, athlete_id: int, settings: Settings, now: dt.datetime | None = None
) -> dt.date:
    """The athlete's "today": their local date now."""
    return local_today(athlete_zone(session, athlete_id=athlete_id, settings=settings), now=now)


def localize_sessions(sessions: pd.DataFrame, *, zone: ZoneInfo) -> pd.DataFrame:
    """Sessions whose ``start_time`` is UTC (naive) with local start times and local dates."""
    if sessions.empty or "start_time" not in sessions:
        return sessions
    start = pd.to_datetime(sessions["start_time"])
    known = start.notna()
    local = start[known].dt.tz_localize("UTC").dt.tz_convert(zone).dt.tz_localize(None)
    out = sessions.copy()
    out.loc[known, "start_time"] = local
    out.loc[known, "date"] = local.dt.normalize()
    return out
