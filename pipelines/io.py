"""The only module in ``pipelines`` that reads or writes files under the data folder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def write_frame(frame: pd.DataFrame, path: Path) -> Path:
    """Write a frame as Parquet (creating folders); returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False)
    return path
