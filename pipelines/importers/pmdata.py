"""PMData (Simula, 16 participants) -> athletes, wellness, sessions and injuries.

One athlete per participant folder ``pXX``, with ``athlete_ref = "pmdata:pXX"`` and the
placeholder ``athlete_id`` 0. Athletes come from ``participant-overview.csv``: name
``pXX``, sex = gender, birth_year = 2019 - age, max_hr.

PMSys timestamps are UTC ISO strings; their UTC calendar date is the record's date.

- ``pmsys/wellness.csv`` -> one check-in per athlete-day: when a day has several reports,
  the last one wins (the others are counted in ``warnings``, not rejected). PMSys' 1-5
  items are all "higher is better", so fatigue, soreness and stress become ``6 - x``
  (Cairn: higher is worse); 0 in a 1-5 item means missing. readiness (0-10) is kept;
  ``sleep_duration_h`` -> sleep_h, where 0 means missing and is then filled with the hours
  of Fitbit's main sleep ending that day. Fitbit's resting HR of that date is merged in;
  no check-in row is created for Fitbit data alone.
- ``pmsys/srpe.csv`` -> sessions (source ``pmdata``): date from end_date_time, start =
  end - duration, rpe = perceived_exertion, kind/type from activity_names. Empty reports
  (no activity, RPE or duration) are not sessions: skipped and counted in ``warnings``.
- ``pmsys/injury.csv`` -> one injury per non-empty weekly report: start = end = report
  date, body_part = the reported parts joined with "+", severity = the worst one.
- ``fitbit/`` -> see ``pmdata_fitbit``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from pipelines.importers.batch import (
    ImportBatch,
    ImportFileError,
    build_frame,
    merge_batches,
    read_file_bytes,
)
from pipelines.importers.csvtable import parse_csv, to_number
from pipelines.importers.pmdata_fitbit import read_fitbit_sessions
from pipelines.importers.pmdata_pmsys import (
    Participant,
    read_injuries,
    read_srpe_sessions,
    read_wellness,
)

OVERVIEW_FILE = "participant-overview.csv"
AGE_REFERENCE_YEAR = 2019  # PMData's ages were taken in late 2019
_PARTICIPANT = re.compile(r"p\d+")


def is_pmdata_folder(folder: Path) -> bool:
    """Return True for a PMData root (with ``pXX/pmsys``) or a single participant folder."""
    return folder.is_dir() and bool(find_participant_folders(folder)[1])


def find_participant_folders(folder: Path) -> tuple[Path, list[Path]]:
    """Return (PMData root, participant folders) for a root or one participant folder."""
    if (folder / "pmsys").is_dir():
        return folder.parent, [folder]
    if not folder.is_dir():
        return folder, []
    children = sorted(folder.iterdir())
    return folder, [
        p for p in children if _PARTICIPANT.fullmatch(p.name) and (p / "pmsys").is_dir()
    ]


def _athletes(root: Path, pids: list[str]) -> list[dict[str, Any]]:
    path = root / OVERVIEW_FILE
    rows = parse_csv(read_file_bytes(path), name=OVERVIEW_FILE).rows if path.exists() else []
    overview = {r.values.get("Participant ID", "").strip(): r.values for r in rows}
    athletes = []
    for pid in pids:
        info = overview.get(pid, {})
        age, gender = to_number(info.get("Age")), info.get("Gender", "").strip().lower()
        athletes.append(
            {
                "name": pid,
                "sex": gender if gender in ("female", "male") else None,
                "birth_year": AGE_REFERENCE_YEAR - age if age else None,
                "max_hr": to_number(info.get("Max heart rate")),
                "athlete_ref": f"pmdata:{pid}",
            }
        )
    return athletes


def read_pmdata(folder: Path, *, today: dt.date) -> ImportBatch:
    """Read a PMData folder (root with p01..p16, or one participant folder).

    Args:
        folder: The PMData root or a ``pXX`` folder.
        today: Reference day; records dated after it are rejected.

    Raises:
        ImportFileError: not a PMData folder, or one of its files is unreadable.
    """
    root, folders = find_participant_folders(folder)
    if not folders:
        raise ImportFileError(f"{folder.name}: not a PMData folder (no pXX/pmsys inside)")
    batches = []
    for participant in folders:
        part = Participant(folder=participant, pid=participant.name, today=today)
        fitbit = read_fitbit_sessions(
            participant, pid=part.pid, ref=part.ref, today=today, rejections=part.rejections
        )
        sessions = read_srpe_sessions(part) + fitbit
        wellness, injuries = read_wellness(part), read_injuries(part)
        batches.append(
            ImportBatch(
                sessions=build_frame(sessions, name="sessions"),
                wellness=build_frame(wellness, name="wellness"),
                injuries=build_frame(injuries, name="injuries"),
                rejections=part.rejections,
                warnings=part.warnings,
            )
        )
    merged = merge_batches(batches)
    merged.athletes = build_frame(_athletes(root, [f.name for f in folders]), name="athletes")
    return merged
