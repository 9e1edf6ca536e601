"""The closed loop's store: a real Cairn database that the simulator's observations fill.

The Cairn arm is coached through the served path, which reads its logs from the store. This
store holds what a coach would see of the simulated athletes, written with the store's own
write functions (``engine.services.simulation.save_athletes``/``save_logs`` ->
``engine.store.logbook``): the athletes (profile, weekly availability), their warm-up logs,
each morning's check-ins and injury reports (an injury is reported the first morning the
athlete is injured and closed, on the day before, the first morning they are not), and each
day's logged sessions (reported RPE; strength sets when simulated), and each athlete's goal
events when the simulator gives them races (``pipelines.simulator.races``, stored through
``engine.services.events.add_event`` as the API's ``POST /athletes/{id}/events`` does). Never
the hidden truth.
Simulator athlete ids (1..n) map to store ids through ``store_id``.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pandas as pd
from sqlalchemy.orm import Session

from engine.services.events import add_event
from engine.services.simulation import save_athletes, save_logs
from engine.store import database, logbook
from pipelines.simulator.cohort import SimulatedCohort
from pipelines.simulator.plans import Observation

REPORTED_INJURY = {"body_part": "unknown", "severity": "minor"}  # what the status tells a coach


class LoopStore:
    """A Cairn database filled from a simulated cohort's observations.

    Args:
        warmup: The logs so far (the template weeks before coaching starts).
        seed: The cohort's seed (in the athletes' ``external_ref`` and the session ids).
        database_url: Where the store lives; default a SQLite file in a temporary folder that
            ``close`` removes.
        races: Goal events to store (``pipelines.simulator.races.RACE_COLUMNS``, simulator
            ids); default none.
    """

    def __init__(
        self,
        warmup: SimulatedCohort,
        *,
        seed: int,
        database_url: str | None = None,
        races: pd.DataFrame | None = None,
    ) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if database_url is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="cairn-closed-loop-")
            database_url = f"sqlite:///{Path(self._tmp.name) / 'closed_loop.sqlite'}"
        self.database_url = database_url
        self.seed = seed
        self.engine = database.make_engine(database_url)
        database.migrate_database(self.engine)
        self.factory = database.make_session_factory(self.engine)
        with database.open_session(self.factory) as session:
            self.store_id = save_athletes(session, warmup.athletes, seed=seed, ref="closed-loop")
            save_logs(
                session,
                id_map=self.store_id,
                seed=seed,
                sessions=warmup.sessions,
                wellness=warmup.wellness,
                injuries=warmup.injuries,
                sets=warmup.sets,
            )
            for race in (races if races is not None else pd.DataFrame()).itertuples():
                add_event(
                    session,
                    athlete_id=self.store_id[int(race.athlete_id)],
                    day=pd.Timestamp(race.date).date(),
                    name=str(race.name),
                    distance_km=float(race.distance_km),
                    climb_m=float(race.climb_m),
                    priority=str(race.priority),
                )
        still_open = warmup.injuries["end_date"].isna()
        self._injured = set(warmup.injuries.loc[still_open, "athlete_id"].astype(int))

    def session(self) -> Session:
        """A new DB session on the store (the caller closes it)."""
        return self.factory()

    def observe(self, obs: Observation) -> None:
        """Write this morning's check-ins and injury reports."""
        today = pd.Timestamp(obs.date)
        status = obs.status
        injured = set(status.loc[status["injured"].astype(bool), "athlete_id"].astype(int))
        healed, new = sorted(self._injured - injured), sorted(injured - self._injured)
        reports = pd.DataFrame(
            {"athlete_id": new, "start_date": today, "end_date": pd.NaT, **REPORTED_INJURY}
        )
        yesterday: dt.date = (today - pd.Timedelta(days=1)).date()
        with database.open_session(self.factory) as session:
            for athlete in healed:
                logbook.end_open_injuries(
                    session, athlete_id=self.store_id[athlete], end_date=yesterday
                )
            save_logs(
                session,
                id_map=self.store_id,
                seed=self.seed,
                wellness=obs.wellness,
                injuries=reports,
            )
        self._injured = injured

    def record(self, done: pd.DataFrame, sets: pd.DataFrame | None = None) -> None:
        """Write the sessions done today (``SESSION_COLUMNS``, simulator ids), with their sets."""
        if len(done) == 0:
            return
        with database.open_session(self.factory) as session:
            save_logs(session, id_map=self.store_id, seed=self.seed, sessions=done, sets=sets)

    def close(self) -> None:
        """Release the engine and remove the temporary store, if any."""
        self.engine.dispose()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
