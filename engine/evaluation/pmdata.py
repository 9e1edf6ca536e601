"""PMData (16 people, Nov 2019 - Mar 2020) where the evaluations and benchmarks find it.

The evaluation itself is ``cairn evaluate --dataset pmdata``: import into the database, then the
same evaluation as any stored data (``engine.evaluation.db_evaluation``). See docs/evaluation.md.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from pipelines.importers.pmdata import is_pmdata_folder, read_pmdata


def default_pmdata_path(cwd: Path) -> Path:
    """``../shared/data/pmdata`` from the working directory, else from the repository."""
    relative = Path("..") / "shared" / "data" / "pmdata"
    candidates = [cwd / relative, Path(__file__).resolve().parents[2] / relative]
    return next((p for p in candidates if p.exists()), candidates[0])


def read_pmdata_frames(path: Path, *, today: dt.date) -> dict[str, pd.DataFrame]:
    """PMData through the project importer, with athlete ids 1..16 in ``pXX`` order."""
    if not path.exists() or not is_pmdata_folder(path):
        raise FileNotFoundError(
            f"no PMData folder at {path} (expected p01..p16 with pmsys/ inside); pass --path"
        )
    batch = read_pmdata(path, today=today)
    ids = {ref: i + 1 for i, ref in enumerate(sorted(batch.athletes["athlete_ref"]))}

    def with_ids(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(athlete_id=frame["athlete_ref"].map(ids).astype("int64"))

    return {
        name: with_ids(getattr(batch, name))
        for name in ("athletes", "sessions", "wellness", "injuries")
    }
