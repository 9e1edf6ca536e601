"""Day-by-day recording of a simulation and the one-off build of its output frames.

Per-day NumPy arrays (compact dtypes) are appended to lists during the run and concatenated
once, so building the frames costs a few vectorised passes regardless of the number of days.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.schemas import (
    INJURY_COLUMNS,
    SESSION_COLUMNS,
    SET_COLUMNS,
    WELLNESS_COLUMNS,
    conform,
    empty_frame,
)
from pipelines.simulator.catalogue import BODY_PARTS, KIND_OF_TYPE, KINDS, SESSION_TYPES, SEVERITIES
from pipelines.simulator.physiology import TOLERANCE_AU, Morning, SimState
from pipelines.simulator.sessions import Realised
from pipelines.simulator.sets import EXERCISE_NAMES
from pipelines.simulator.wellness import WELLNESS_FIELDS

HIDDEN_COLUMNS = (
    "athlete_id",
    "date",
    "fitness_aerobic",
    "fitness_muscular",
    "fatigue_aerobic",
    "fatigue_muscular",
    "fitness",
    "fatigue",
    "performance",
    "freshness",
    "acwr",
    "eccentric_damage_au",
    "sleep_h",
    "sleep_debt_h",
    "life_stress",
    "injury_hazard",
    "injured",
    "ill",
)
_STORED = {  # stored hidden field -> SimState/Morning attribute
    "fitness_aerobic": "fit_aer",
    "fitness_muscular": "fit_mus",
    "fatigue_aerobic": "fat_aer",
    "fatigue_muscular": "fat_mus",
    "acwr": "acwr",
    "eccentric_damage_au": "damage",
    "sleep_h": "sleep_h",
    "sleep_debt_h": "sleep_debt",
    "life_stress": "stress",
}
CHECKIN_FIELDS = (*WELLNESS_FIELDS, "pain", "illness")
_SMALL_INT = {"sleep_quality", "soreness", "fatigue", "mood", "stress", "readiness"}
SESSION_FLOATS: tuple[str, ...] = (
    "start_hour",
    "duration_min",
    "rpe",
    "distance_km",
    "elevation_gain_m",
    "elevation_loss_m",
    "avg_hr",
)
COMPACT_EVERY = 32  # days between merges of the per-day arrays into large chunks


def hidden_arrays(state: SimState, morning: Morning) -> dict[str, np.ndarray]:
    """Return the stored hidden truth of a morning (float32 and bool arrays)."""
    data = {key: getattr(state, attr).astype(np.float32) for key, attr in _STORED.items()}
    data["injury_hazard"] = morning.hazard.astype(np.float32)
    return data | {"injured": morning.injured, "ill": morning.ill}


def derive_hidden(data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Add fitness, fatigue, performance (fitness - fatigue) and freshness to hidden arrays."""
    fitness = data["fitness_aerobic"] + data["fitness_muscular"]
    fatigue = data["fatigue_aerobic"] + data["fatigue_muscular"]
    derived = {
        "fitness": fitness,
        "fatigue": fatigue,
        "performance": fitness - fatigue,
        "freshness": 1.0 - fatigue / (fitness + np.float32(TOLERANCE_AU)),
    }
    return data | derived


class Recorder:
    """Collects per-day arrays of a simulation and builds the output frames.

    Args:
        seed: simulation seed (used in ``external_id``).
        start: first simulated day.
        n_athletes: cohort size.
    """

    def __init__(self, *, seed: int, start: pd.Timestamp, n_athletes: int) -> None:
        self.seed, self.start, self.n_athletes = seed, start, n_athletes
        self.n_days = 0
        self.hidden: list[dict[str, np.ndarray]] = []
        self.wellness: list[dict[str, np.ndarray]] = []
        self.sessions: list[dict[str, np.ndarray]] = []
        self.sets: list[dict[str, np.ndarray]] = []
        self.injuries: list[dict[str, np.ndarray]] = []

    def record_day(
        self,
        *,
        hidden: dict[str, np.ndarray],
        wellness: dict[str, np.ndarray],
        morning: Morning,
        realised: Realised,
        sets: dict[str, np.ndarray] | None,
    ) -> None:
        """Store one completed day; the hidden truth also gets the day's true load (AU)."""
        day = self.n_days
        if day and day % COMPACT_EVERY == 0:
            for name in ("hidden", "wellness", "sessions", "sets", "injuries"):
                setattr(self, name, _compact(getattr(self, name)))
        self.hidden.append(hidden | {"load_au": realised.load_au.astype(np.float32)})
        who = np.flatnonzero(wellness["checked_in"])
        checkin = {"athlete": who.astype(np.int32), "day": np.full(len(who), day, np.int32)}
        for key in CHECKIN_FIELDS:
            checkin[key] = wellness[key][who].astype(_compact_dtype(key, wellness[key]))
        self.wellness.append(checkin)
        session = {key: getattr(realised, key).astype(np.float32) for key in SESSION_FLOATS}
        session["athlete"] = realised.athlete.astype(np.int32)
        session["day"] = np.full(len(realised.athlete), day, np.int32)
        session["rank"] = realised.rank.astype(np.int8)
        session["type"] = realised.type_code.astype(np.int8)
        self.sessions.append(session)
        if sets is not None:
            self.sets.append(sets | {"day": np.full(len(sets["athlete"]), day, np.int32)})
        who = np.flatnonzero(morning.onset)
        onset = {"athlete": who, "day": np.full(len(who), day)}
        fields = ("body_part", "severity", "days_lost")
        self.injuries.append(onset | {k: getattr(morning, k)[who] for k in fields})
        self.n_days += 1

    def dates(self, days: np.ndarray) -> np.ndarray:
        """Return datetime64[ns] dates for day indices."""
        return (np.datetime64(self.start.date(), "D") + days).astype("datetime64[ns]")

    def session_ids(self, *, athlete: np.ndarray, day: np.ndarray, rank: np.ndarray) -> pd.Series:
        """Return ``sim-<seed>-<athlete_id>-<yyyymmdd>-<n>`` ids (object dtype)."""
        if len(athlete) == 0:
            return pd.Series([], dtype=object)
        n_ranks = int(rank.max()) + 1
        ymd = pd.Series(self.dates(np.arange(self.n_days))).dt.strftime("%Y%m%d").to_numpy()
        prefix = np.array([f"sim-{self.seed}-{i}-" for i in range(1, self.n_athletes + 1)], object)
        tail = np.array([f"{date}-{k}" for date in ymd for k in range(n_ranks)], dtype=object)
        # one string concatenation per row, so no per-row temporaries fragment the heap
        return pd.Series(prefix[athlete] + tail[day * n_ranks + rank], dtype=object)

    def build_hidden(self, *, release: bool = False) -> pd.DataFrame:
        """Return the hidden truth, one row per athlete-day (floats are float32)."""
        n, days = self.n_athletes, self.n_days
        parts = _pop_concat(self, "hidden", release=release)
        if not parts:
            return pd.DataFrame(columns=[*HIDDEN_COLUMNS, "load_au"])
        data: dict[str, np.ndarray] = {
            "athlete_id": np.tile(np.arange(1, n + 1, dtype=np.int64), days),
            "date": np.repeat(self.dates(np.arange(days)), n),
        }
        frame = pd.DataFrame(data | derive_hidden(parts), copy=False)
        return frame[[*HIDDEN_COLUMNS, "load_au"]]

    def build_wellness(self, *, release: bool = False) -> pd.DataFrame:
        """Return the check-ins (WELLNESS_COLUMNS), sorted by date then athlete."""
        parts = _pop_concat(self, "wellness", release=release)
        if not parts:
            return empty_frame(WELLNESS_COLUMNS)
        frame = pd.DataFrame(
            {
                "athlete_id": parts.pop("athlete").astype(np.int64) + 1,
                "date": self.dates(parts.pop("day")),
                **{key: parts.pop(key).astype(np.float64) for key in WELLNESS_FIELDS},
                "pain": parts.pop("pain"),
                "illness": parts.pop("illness"),
            },
            copy=False,
        )
        return conform(frame, WELLNESS_COLUMNS, name="wellness")

    def build_sessions(self, *, last_day_only: bool = False, release: bool = False) -> pd.DataFrame:
        """Return the done sessions (SESSION_COLUMNS) sorted by date then athlete.

        Args:
            last_day_only: only the last recorded day's sessions.
            release: free the recorded arrays once used (one-shot build).
        """
        parts = _pop_concat(self, "sessions", release=release, last=last_day_only)
        if not parts:
            return empty_frame(SESSION_COLUMNS)
        athlete, day = parts["athlete"].astype(np.int64), parts["day"].astype(np.int64)
        type_code, rank = parts["type"].astype(np.int64), parts["rank"].astype(np.int64)
        dates = self.dates(day)
        hours = parts.pop("start_hour").astype(np.float64)
        frame = pd.DataFrame(
            {
                "athlete_id": athlete + 1,
                "date": dates,
                "start_time": dates + np.round(hours * 3600.0).astype("timedelta64[s]"),
                "kind": _labels(KINDS, KIND_OF_TYPE[type_code]),
                "type": _labels(SESSION_TYPES, type_code),
                **{key: parts[key].astype(np.float64) for key in SESSION_FLOATS[1:]},
                "source": _labels(("simulator",), np.zeros(len(athlete), np.int64)),
                "external_id": self.session_ids(athlete=athlete, day=day, rank=rank),
            },
            copy=False,
        )
        return conform(frame, SESSION_COLUMNS, name="sessions")

    def build_sets(self, *, release: bool = False) -> pd.DataFrame:
        """Return strength sets (SET_COLUMNS) linked to their session ids."""
        parts = _pop_concat(self, "sets", release=release)
        if not parts:
            return empty_frame(SET_COLUMNS)
        athlete = parts["athlete"].astype(np.int64)
        ids = self.session_ids(athlete=athlete, day=parts["day"], rank=parts["rank"])
        frame = pd.DataFrame(
            {
                "athlete_id": athlete + 1,
                "session_external_id": ids,
                "exercise": _labels(EXERCISE_NAMES, parts["exercise"]),
                **{key: parts[key] for key in ("set_number", "reps", "load_kg", "rpe")},
            },
            copy=False,
        )
        return conform(frame, SET_COLUMNS, name="sets")

    def build_injuries(self) -> pd.DataFrame:
        """Return injuries (INJURY_COLUMNS); ``end_date`` is the last day lost, NaT if open."""
        parts = _pop_concat(self, "injuries", release=False)
        if not parts:
            return empty_frame(INJURY_COLUMNS)
        day = parts["day"].astype(np.int64)
        last = day + parts["days_lost"].astype(np.int64) - 1
        frame = pd.DataFrame(
            {
                "athlete_id": parts["athlete"].astype(np.int64) + 1,
                "start_date": self.dates(day),
                "end_date": np.where(
                    last < self.n_days, self.dates(last), np.datetime64("NaT", "ns")
                ),
                "body_part": _labels(BODY_PARTS, parts["body_part"]),
                "severity": _labels(SEVERITIES, parts["severity"]),
            },
            copy=False,
        )
        return conform(frame, INJURY_COLUMNS, name="injuries")


def _labels(names: tuple[str, ...], codes: np.ndarray) -> pd.Series:
    """Return string labels for integer codes as an object Series sharing the label objects.

    An explicit object dtype stops pandas from inferring its ``str`` dtype, whose cast back to
    object (in ``conform``) would allocate one string per row.
    """
    return pd.Series(np.array(names, dtype=object)[codes], dtype=object)


def _compact_dtype(key: str, values: np.ndarray) -> type:
    """Return the storage dtype of a check-in field: int8 scores, float32, or bool."""
    if key in _SMALL_INT:
        return np.int8
    return np.bool_ if values.dtype == np.bool_ else np.float32


def _compact(days: list[dict[str, np.ndarray]]) -> list[dict[str, np.ndarray]]:
    """Merge the single-day entries at the end of a list into one chunk.

    Large chunks live in their own memory maps, so freeing them returns memory to the system,
    which thousands of small per-day arrays would not.
    """
    chunks = [day for day in days if len(day.get("_chunk", ())) > 0]
    pending = [day for day in days if len(day.get("_chunk", ())) == 0]
    if len(pending) < 2:
        return days
    merged = {key: np.concatenate([day[key] for day in pending]) for key in pending[0]}
    return [*chunks, merged | {"_chunk": np.ones(1, dtype=bool)}]


def _pop_concat(
    recorder: Recorder, name: str, *, release: bool, last: bool = False
) -> dict[str, np.ndarray]:
    """Concatenate a recorder list of day/chunk dicts key by key (optionally freeing them)."""
    days = getattr(recorder, name)[-1:] if last else getattr(recorder, name)
    if release:
        setattr(recorder, name, [])
    if not days:
        return {}
    keys = [key for key in days[0] if key != "_chunk"]
    return {key: np.concatenate([day[key] for day in days]) for key in keys}
