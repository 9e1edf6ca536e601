"""Write a simulated cohort into the store (athletes get fresh ids) and its hidden truth to disk."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from sqlalchemy.orm import Session

from engine.store import logbook
from pipelines.io import write_frame
from pipelines.schemas import (
    INJURY_COLUMNS,
    SESSION_COLUMNS,
    WELLNESS_COLUMNS,
    conform,
    empty_frame,
)
from pipelines.simulator.cohort import SimulatedCohort

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _athlete_values(row: pd.Series, *, seed: int, ref: str = "sim") -> dict:
    def num(name: str) -> float | None:
        value = row.get(name)
        return None if value is None or pd.isna(value) else float(value)

    return {
        "name": str(row.get("name") or f"Simulated athlete {row['athlete_id']}"),
        "birth_year": int(row["birth_year"]) if num("birth_year") is not None else None,
        "sex": None if pd.isna(row.get("sex")) else str(row.get("sex")),
        "experience_years": num("experience_years"),
        "max_hr": num("max_hr"),
        "resting_hr": num("resting_hr"),
        "goal": None if pd.isna(row.get("goal")) else str(row.get("goal")),
        "availability_min": [int(row.get(f"avail_{d}", 60)) for d in WEEKDAYS],
        "external_ref": f"{ref}:{seed}:{int(row['athlete_id'])}",
    }


def save_athletes(
    session: Session, athletes: pd.DataFrame, *, seed: int, ref: str = "sim"
) -> dict[int, int]:
    """Insert simulated athletes (``external_ref`` ``{ref}:{seed}:{id}``); returns simulator id
    -> store id."""
    id_map: dict[int, int] = {}
    for _, row in athletes.iterrows():
        athlete = logbook.create_athlete(session, data=_athlete_values(row, seed=seed, ref=ref))
        id_map[int(row["athlete_id"])] = athlete.id
    return id_map


def save_logs(
    session: Session,
    *,
    id_map: Mapping[int, int],
    seed: int,
    sessions: pd.DataFrame | None = None,
    wellness: pd.DataFrame | None = None,
    injuries: pd.DataFrame | None = None,
    sets: pd.DataFrame | None = None,
) -> dict[str, int]:
    """Insert simulated logs (simulator athlete ids, mapped to store ids by ``id_map``; session
    ids get the ``s{seed}-`` prefix); absent frames write nothing. Returns row counts."""

    def remap(frame: pd.DataFrame | None, columns: dict[str, str], name: str) -> pd.DataFrame:
        out = conform(empty_frame(columns) if frame is None else frame, columns, name=name)
        out["athlete_id"] = out["athlete_id"].map(id_map).astype("int64")
        return out

    done = remap(sessions, SESSION_COLUMNS, "sessions")
    done["external_id"] = f"s{seed}-" + done["external_id"].astype(str)
    strength = None
    if sets is not None and len(sets):
        strength = sets.copy()
        strength["session_external_id"] = f"s{seed}-" + strength["session_external_id"].astype(str)
    return logbook.bulk_insert_logs(
        session,
        sessions=done,
        wellness=remap(wellness, WELLNESS_COLUMNS, "wellness"),
        injuries=remap(injuries, INJURY_COLUMNS, "injuries"),
        sets=strength,
    )


def save_cohort(
    session: Session, cohort: SimulatedCohort, *, seed: int, hidden_dir: Path | None = None
) -> dict[str, int]:
    """Insert the cohort's athletes and logs; returns row counts. Ids are remapped to DB ids."""
    id_map = save_athletes(session, cohort.athletes, seed=seed)
    counts = save_logs(
        session,
        id_map=id_map,
        seed=seed,
        sessions=cohort.sessions,
        wellness=cohort.wellness,
        injuries=cohort.injuries,
        sets=cohort.sets,
    )
    if hidden_dir is not None:
        hidden = cohort.hidden.assign(athlete_id=cohort.hidden["athlete_id"].map(id_map))
        write_frame(
            hidden.astype({"athlete_id": "int64"}), hidden_dir / f"hidden_seed{seed}.parquet"
        )
    return {"athletes": len(id_map), **counts}
