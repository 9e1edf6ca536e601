"""Write a simulated cohort into the store (athletes get fresh ids) and its hidden truth to disk."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy.orm import Session

from engine.services.feature_store import rebuild_features
from engine.store import logbook
from pipelines.io import write_frame
from pipelines.simulator.cohort import SimulatedCohort

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _athlete_values(row: pd.Series, *, seed: int) -> dict:
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
        "external_ref": f"sim:{seed}:{int(row['athlete_id'])}",
    }


def save_cohort(
    session: Session, cohort: SimulatedCohort, *, seed: int, hidden_dir: Path | None = None
) -> dict[str, int]:
    """Insert the cohort's athletes and logs; returns row counts. Ids are remapped to DB ids."""
    id_map: dict[int, int] = {}
    for _, row in cohort.athletes.iterrows():
        athlete = logbook.create_athlete(session, data=_athlete_values(row, seed=seed))
        id_map[int(row["athlete_id"])] = athlete.id

    def remap(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        out["athlete_id"] = out["athlete_id"].map(id_map).astype("int64")
        return out

    sessions = remap(cohort.sessions)
    sessions["external_id"] = f"s{seed}-" + sessions["external_id"].astype(str)
    sets = cohort.sets.copy()
    sets["session_external_id"] = f"s{seed}-" + sets["session_external_id"].astype(str)
    counts = logbook.bulk_insert_logs(
        session,
        sessions=sessions,
        wellness=remap(cohort.wellness),
        injuries=remap(cohort.injuries),
        sets=sets,
    )
    rebuild_features(session, athlete_ids=id_map.values())
    if hidden_dir is not None:
        write_frame(remap(cohort.hidden), hidden_dir / f"hidden_seed{seed}.parquet")
    return {"athletes": len(id_map), **counts}
