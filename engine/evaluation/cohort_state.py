"""What a coach sees of a simulated cohort, kept up to date each morning.

``LogBook`` holds the athletes' logged sessions, check-ins and injury reports (from the
simulator's observations only); ``FeatureState`` extends the cohort's daily feature rows each
morning (``pipelines.features.extend_daily_features``); ``cohort_contexts`` builds every
athlete's optimizer context at once (the same values as ``engine.coach.scoring.build_context``).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from engine.coach.history import HISTORY_DAYS
from engine.optimizer.choose import AthleteContext, PastSession
from pipelines.features import LOOKBACK_DAYS, build_daily_features, extend_daily_features
from pipelines.loads import session_loads
from pipelines.schemas import INJURY_COLUMNS, conform
from pipelines.sessions import grade_intensities
from pipelines.simulator.cohort import SimulatedCohort
from pipelines.simulator.plans import Observation

NAN = float("nan")
KEEP_DAYS = 200  # feature rows kept per athlete (>= LOOKBACK_DAYS, and 7 blocks for volumes)


class LogBook:
    """The athletes' logs as a coach sees them: sessions, check-ins and injury reports."""

    def __init__(self, warmup: SimulatedCohort) -> None:
        self.athletes = warmup.athletes
        self.sessions = warmup.sessions
        self.wellness = warmup.wellness
        injuries = warmup.injuries[list(INJURY_COLUMNS)].copy()
        self._closed = injuries[injuries["end_date"].notna()]
        open_ = injuries[injuries["end_date"].isna()]
        self._open = dict(zip(open_["athlete_id"].astype(int), open_["start_date"], strict=True))

    def observe(self, obs: Observation) -> None:
        """Add this morning's check-ins and injury reports (an injury ends when it clears)."""
        self.wellness = pd.concat([self.wellness, obs.wellness], ignore_index=True)
        today = pd.Timestamp(obs.date)
        injured = dict(
            zip(obs.status["athlete_id"].astype(int), obs.status["injured"], strict=True)
        )
        ended = [a for a in self._open if not injured.get(a, False)]
        if ended:
            rows = [self._injury(a, self._open.pop(a), today - pd.Timedelta(days=1)) for a in ended]
            self._closed = pd.concat([self._closed, pd.DataFrame(rows)], ignore_index=True)
        for athlete, now in injured.items():
            if now and athlete not in self._open:
                self._open[athlete] = today

    def record(self, done: pd.DataFrame) -> None:
        """Add the sessions done today."""
        if len(done):
            self.sessions = pd.concat([self.sessions, done], ignore_index=True)

    @staticmethod
    def _injury(athlete: int, start: pd.Timestamp, end: pd.Timestamp | None) -> dict:
        return {
            "athlete_id": athlete,
            "start_date": start,
            "end_date": end,
            "body_part": "unknown",
            "severity": "minor",
        }

    def injuries(self) -> pd.DataFrame:
        """Every injury report (open ones without an end date)."""
        open_rows = [self._injury(a, s, None) for a, s in self._open.items()]
        frame = pd.concat([self._closed, pd.DataFrame(open_rows)], ignore_index=True)
        return conform(frame, INJURY_COLUMNS, name="injuries")

    def recent(self, since: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Sessions and check-ins from ``since`` on (older rows are dropped for good)."""
        self.sessions = self.sessions[self.sessions["date"] >= since - pd.Timedelta(days=40)]
        self.wellness = self.wellness[self.wellness["date"] >= since - pd.Timedelta(days=40)]
        return (
            self.sessions[self.sessions["date"] >= since],
            self.wellness[self.wellness["date"] >= since],
        )


class FeatureState:
    """The cohort's daily feature rows, extended each morning (rows before today are final)."""

    def __init__(self, book: LogBook, *, until: pd.Timestamp) -> None:
        self.final = build_daily_features(
            book.sessions,
            book.wellness,
            book.injuries(),
            until=until.date(),
            athlete_ids=book.athletes["athlete_id"].tolist(),
            athletes=book.athletes,
        )

    def morning(self, book: LogBook, today: pd.Timestamp) -> pd.DataFrame:
        """Today's rows (one per athlete); yesterday's rows become final."""
        since = today - pd.Timedelta(days=LOOKBACK_DAYS + 5)
        sessions, wellness = book.recent(since)
        new = extend_daily_features(
            self.final,
            sessions[sessions["date"] < today],
            wellness,
            book.injuries(),
            until=today.date(),
            athletes=book.athletes,
        )
        keep_from = today - pd.Timedelta(days=KEEP_DAYS)
        done = new[new["date"] < today]
        self.final = pd.concat(
            [self.final[self.final["date"] >= keep_from], done], ignore_index=True
        ).sort_values(["athlete_id", "date"], kind="stable", ignore_index=True)
        return new[new["date"] == today].set_index("athlete_id")


def _past_sessions(sessions: pd.DataFrame) -> dict[int, list[PastSession]]:
    """Each athlete's sessions as the optimizer sees them (as ``recommend.build_context``)."""
    out: dict[int, list[PastSession]] = {}
    if sessions.empty:
        return out
    loads = session_loads(sessions)
    rpe = loads["rpe_used"].to_numpy(float)
    intensity = grade_intensities(rpe)
    for row, level in zip(loads.itertuples(), intensity, strict=True):
        out.setdefault(int(row.athlete_id), []).append(
            PastSession(
                date=row.date.date(),
                type=str(row.type),
                kind=str(row.kind),
                intensity=str(level),
                duration_min=float(row.duration_min),
                load_au=float(row.load_au),
            )
        )
    return out


def cohort_contexts(
    *,
    today: pd.Timestamp,
    base: pd.DataFrame,
    final: pd.DataFrame,
    sessions: pd.DataFrame,
    availability: Mapping[int, tuple[int, ...]],
) -> dict[int, AthleteContext]:
    """``recommend.build_context`` for the whole cohort at once (same values, vectorised).

    Args:
        today: The day.
        base: Today's feature rows, indexed by athlete.
        final: Feature rows of the days before today (all athletes).
        sessions: Logged sessions (at least the last 28 days).
        availability: Minutes Monday..Sunday by athlete.
    """
    before = final[final["date"] < today]
    loads = {
        int(a): tuple(g.to_numpy(float)[-HISTORY_DAYS:])
        for a, g in before.groupby("athlete_id")["load_total"]
    }
    past = before[before["date"] >= today - pd.Timedelta(days=28)]
    means = past.groupby("athlete_id")[["sleep_h", "soreness"]].mean()
    recent = sessions[
        (sessions["date"] >= today - pd.Timedelta(days=28)) & (sessions["date"] < today)
    ]
    by_athlete = _past_sessions(recent)
    out = {}
    for athlete, row in base.iterrows():
        a = int(athlete)
        avg = means.loc[a] if a in means.index else pd.Series({"sleep_h": NAN, "soreness": NAN})
        signals = {
            "sleep_h": float(row["sleep_h"]),
            "sleep_h_avg": float(avg["sleep_h"]),
            "soreness": float(row["soreness"]),
            "soreness_avg": float(avg["soreness"]),
            "readiness_self": float(row["readiness"]),
            "acwr_ewma": float(row["acwr_ewma"]),
            "load_7d": float(row["load_7d"]),
            "load_28d_weekly_avg": float(row["load_28d"]) / 4.0,
            "days_since_rest": float(row["days_since_rest"]),
            "sleep_quality": float(row["sleep_quality"]),
        }
        out[a] = AthleteContext(
            today=today.date(),
            availability_min=availability[a],  # type: ignore[arg-type]
            daily_load=loads.get(a, ()),
            recent=tuple(by_athlete.get(a, ())),
            open_injury=bool(row["injured"]),
            illness=bool(row["illness"]),
            pain=bool(row["pain"]),
            signals=signals,
        )
    return out
