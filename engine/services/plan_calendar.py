"""The week plan as an iCalendar feed (RFC 5545), for calendar apps that subscribe to it.

Pure: takes the plan dict of ``engine.services.plans.plan_for`` and returns the ``.ics``
bytes. One all-day event per planned day (rest days included, so the week is complete);
the summary is the session, the description the whole prescription. Event UIDs are
stable per athlete and day, so a calendar app updates a day in place when the plan changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from icalendar import Calendar, Event

from engine.coach.prescription_text import prescription_lines, session_title

PRODUCT_ID = "-//Cairn//Cairn training plan//EN"
UID_DOMAIN = "cairn.invalid"


def _event(athlete_id: int, day: Mapping[str, Any], *, stamp: dt.datetime) -> Event:
    date = dt.date.fromisoformat(str(day["date"]))
    session = day["session"]
    lines = prescription_lines(session, day.get("prescription"))
    if day.get("reasons"):
        lines += ["", "Why:", *(f"- {reason}" for reason in day["reasons"])]
    if day.get("locked"):
        lines.insert(0, "Locked by your coach or for a race.")
    event = Event()
    event.add("uid", f"cairn-athlete-{athlete_id}-{date.isoformat()}@{UID_DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("dtstart", date)
    event.add("dtend", date + dt.timedelta(days=1))
    title = session_title(session)
    event.add("summary", title[:1].upper() + title[1:])
    event.add("description", "\n".join(lines).strip())
    event.add("transp", "TRANSPARENT")  # a plan does not make the athlete busy
    event.add("categories", [str(session["kind"])])
    return event


def build_plan_calendar(plan: Mapping[str, Any], *, now: dt.datetime) -> bytes:
    """The plan's days as an iCalendar document.

    Args:
        plan: the plan JSON (``athlete_id``, ``days`` with ``date``, ``session``,
            ``prescription``, ``reasons``, ``locked``).
        now: the time stamp of the events (UTC).

    Returns:
        The ``text/calendar`` body (UTF-8, CRLF line endings).
    """
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Cairn plan, athlete {plan['athlete_id']}")
    stamp = now.replace(tzinfo=dt.UTC) if now.tzinfo is None else now
    for day in plan["days"]:
        calendar.add_component(_event(int(plan["athlete_id"]), day, stamp=stamp))
    return calendar.to_ical()
