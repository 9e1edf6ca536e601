"""The import use case on real SQLite and PostgreSQL: counts, idempotency, transactions."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from engine.services.imports import ImportOptions, import_batch, import_path
from engine.store import database, logbook
from engine.store.tables import TrainingSession, WellnessCheckin
from pipelines.importers import ImportBatch, read_activity_file, read_pmdata
from pipelines.importers.batch import build_frame
from tests.conftest import SHARED_DATA

TODAY = dt.date(2026, 1, 1)
SAMPLES = Path(__file__).resolve().parents[3] / "data" / "samples"
PMDATA = SHARED_DATA / "pmdata"
ACTIVITIES = SHARED_DATA / "activity-samples"
SHARED_ACTIVITY_FILES = [
    "fit/2019-09-14-17-22-05.fit",
    "fit/strava-android-app-201.10-b1218918.fit",
    "gpx/2067489619.gpx",
    "gpx/korita-zbevnica.gpx",
]


def _shared(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared data not found: {path} is missing")
    return path


@pytest.fixture(scope="module")
def pmdata_batch() -> ImportBatch:
    """The whole PMData folder, parsed once for the module."""
    return read_pmdata(_shared(PMDATA), today=TODAY)


@pytest.fixture
def factory(db_engine: Engine) -> sessionmaker[Session]:
    return database.make_session_factory(db_engine)


@pytest.fixture
def athlete_id(factory: sessionmaker[Session]) -> int:
    with database.open_session(factory) as session:
        athlete = logbook.create_athlete(session, data={"name": "Mia"})
    return athlete.id


def _counts(factory: sessionmaker[Session]) -> dict[str, int]:
    with database.open_session(factory) as session:
        return logbook.count_rows(session)


def _count(factory: sessionmaker[Session], query: object) -> int:
    with database.open_session(factory) as session:
        return session.scalar(query) or 0


def test_import_batch_pmdata_stores_every_record_then_nothing_new(
    factory: sessionmaker[Session], pmdata_batch: ImportBatch
) -> None:
    # given an empty database and the parsed PMData folder
    # when it is imported twice
    first = import_batch(
        factory, batch=pmdata_batch, label="pmdata", fmt="pmdata", options=ImportOptions()
    )
    counts = _counts(factory)
    second = import_batch(
        factory, batch=pmdata_batch, label="pmdata", fmt="pmdata", options=ImportOptions()
    )
    # then the first run stores 16 athletes, one check-in per athlete-day, every sRPE and
    # Fitbit session and every non-empty injury report (p12 reported the same injuries twice
    # on two days: each report is its own record, identified by its timestamp) ...
    assert first.status == "ok" and first.error is None
    assert counts["athlete"] == 16
    assert counts["wellness_checkin"] == 1729
    srpe = select(func.count()).where(TrainingSession.source == "pmdata")
    fitbit = select(func.count()).where(TrainingSession.source == "pmdata-fitbit")
    assert _count(factory, srpe) == 772
    assert _count(factory, fitbit) == 2440
    assert counts["injury"] == 77 and first.duplicates["injuries"] == 0
    wellness_source = select(func.count()).where(WellnessCheckin.source == "pmdata")
    assert _count(factory, wellness_source) == 1729
    # ... and the second adds nothing and reports everything as duplicates
    assert second.status == "ok" and second.n_imported == 0
    assert second.duplicates == {
        "athletes": 16, "sessions": 3212, "sets": 0, "wellness": 1729, "injuries": 77,
    }  # fmt: skip
    assert _counts(factory) == counts


def test_import_path_pmdata_participant_then_whole_folder_reuses_athlete(
    factory: sessionmaker[Session], pmdata_batch: ImportBatch
) -> None:
    # given participant p01 imported on its own (its athlete has external_ref pmdata:p01)
    one = import_path(
        factory, path=_shared(PMDATA / "p01"), label="p01", options=ImportOptions(), today=TODAY
    )
    assert one.status == "ok" and one.imported["athletes"] == 1
    # when the whole folder follows
    rest = import_batch(
        factory, batch=pmdata_batch, label="pmdata", fmt="pmdata", options=ImportOptions()
    )
    # then p01 is found by external_ref, the 15 others are created, p01's rows are duplicates
    assert rest.imported["athletes"] == 15 and rest.duplicates["athletes"] == 1
    assert rest.duplicates["wellness"] == one.imported["wellness"]
    assert _counts(factory)["athlete"] == 16


@pytest.mark.parametrize(
    "relative", ["data/samples/hill-run.fit", "data/samples/hill-run.gpx", *SHARED_ACTIVITY_FILES]
)
def test_import_path_activity_file_stores_parser_values_once(
    factory: sessionmaker[Session], athlete_id: int, relative: str
) -> None:
    # given a FIT or GPX activity (project sample or shared real-world file)
    base = SAMPLES.parents[1] if relative.startswith("data/") else _shared(ACTIVITIES)
    path = base / relative
    expected = read_activity_file(path, athlete_id=athlete_id, today=TODAY).sessions
    options = ImportOptions(athlete_id=athlete_id)
    # when it is imported twice
    first = import_path(factory, path=path, label=path.name, options=options, today=TODAY)
    second = import_path(factory, path=path, label=path.name, options=options, today=TODAY)
    # then one session is stored with the parser's distance and climb, the second run adds none
    assert first.status == "ok" and first.imported["sessions"] == len(expected) == 1
    assert second.imported["sessions"] == 0 and second.duplicates["sessions"] == 1
    with database.open_session(factory) as session:
        row = session.scalars(select(TrainingSession)).one()
    for column in ("distance_km", "elevation_gain_m", "duration_min"):
        want = expected[column].iloc[0]
        got = getattr(row, column)
        assert (got is None and math.isnan(want)) or got == pytest.approx(want), column
    assert row.source == expected["source"].iloc[0]
    assert row.external_id == expected["external_id"].iloc[0]


def test_import_path_strength_csv_stores_sets_with_their_session(
    factory: sessionmaker[Session], athlete_id: int
) -> None:
    # given a Strong export with 2 workouts and 20 sets
    path = SAMPLES / "strong-semicolon.csv"
    options = ImportOptions(athlete_id=athlete_id)
    # when imported twice
    first = import_path(factory, path=path, label=path.name, options=options, today=TODAY)
    second = import_path(factory, path=path, label=path.name, options=options, today=TODAY)
    # then sessions and sets are stored once; the sets of skipped sessions are skipped too
    assert first.imported["sessions"] == 2 and first.imported["sets"] == 20
    assert second.duplicates["sessions"] == 2 and second.duplicates["sets"] == 20
    assert _counts(factory)["strength_set"] == 20


def test_import_path_wellness_reimport_keeps_stored_checkin(
    factory: sessionmaker[Session], athlete_id: int, tmp_path: Path
) -> None:
    # given a check-in imported from a Cairn CSV
    path = tmp_path / "w.csv"
    path.write_text("date,sleep_h,readiness\n2025-06-01,7.5,8\n")
    options = ImportOptions(athlete_id=athlete_id)
    import_path(factory, path=path, label="w.csv", options=options, today=TODAY)
    # when the same day comes again with other values
    path.write_text("date,sleep_h,readiness\n2025-06-01,5.0,3\n")
    again = import_path(factory, path=path, label="w.csv", options=options, today=TODAY)
    # then it is a duplicate: the stored check-in stays as it was
    assert again.status == "ok" and again.duplicates["wellness"] == 1
    with database.open_session(factory) as session:
        row = session.scalars(select(WellnessCheckin)).one()
    assert (row.sleep_h, row.readiness, row.source) == (7.5, 8, "cairn-csv")


def test_import_path_skip_invalid_writes_only_valid_rows(
    factory: sessionmaker[Session], athlete_id: int, tmp_path: Path
) -> None:
    # given a sessions file with one bad row among two good ones
    path = tmp_path / "s.csv"
    path.write_text(
        "date,kind,duration_min,rpe\n2025-06-01,run,40,5\n2025-06-02,run,40,15\n"
        "2025-06-03,run,30,3\n"
    )
    strict = ImportOptions(athlete_id=athlete_id)
    lenient = ImportOptions(athlete_id=athlete_id, skip_invalid=True)
    # when imported without, then with skip_invalid
    refused = import_path(factory, path=path, label="s.csv", options=strict, today=TODAY)
    counts_after_refusal = _counts(factory)
    kept = import_path(factory, path=path, label="s.csv", options=lenient, today=TODAY)
    # then the first writes nothing and names the row, the second writes the 2 valid rows
    assert refused.status == "rejected" and refused.n_imported == 0
    assert (
        refused.rejections[0].message()
        == "s.csv row 3, field rpe: 15 (rpe must be between 0 and 10)"
    )
    assert counts_after_refusal["training_session"] == 0
    assert kept.status == "ok" and kept.imported["sessions"] == 2 and len(kept.rejections) == 1


def test_import_path_unknown_athlete_column_writes_nothing(
    factory: sessionmaker[Session], athlete_id: int, tmp_path: Path
) -> None:
    # given a sessions file whose second row names an athlete that does not exist
    path = tmp_path / "s.csv"
    path.write_text(
        f"athlete_id,date,kind,duration_min\n{athlete_id},2025-06-01,run,40\n999,2025-06-02,run,40\n"
    )
    # when imported
    result = import_path(
        factory, path=path, label="s.csv", options=ImportOptions(athlete_id=athlete_id), today=TODAY
    )
    # then the file fails naming the athlete, and no row of it is stored
    assert result.status == "failed"
    assert "athlete 999 not found" in (result.error or "")
    assert _counts(factory)["training_session"] == 0


def test_import_path_without_athlete_fails_naming_the_option(
    factory: sessionmaker[Session],
) -> None:
    path = SAMPLES / "hill-run.fit"
    result = import_path(
        factory, path=path, label="hill-run.fit", options=ImportOptions(), today=TODAY
    )
    assert result.status == "failed"
    assert "no athlete given" in (result.error or "") and "--athlete" in (result.error or "")


def _ref_batch(*, severity: str | None) -> ImportBatch:
    ref = {"athlete_id": 0, "athlete_ref": "test:a1"}
    day = dt.date(2025, 6, 1)
    sessions = [
        {**ref, "date": day, "kind": "run", "type": "easy_trail", "duration_min": 30.0,
         "source": "test", "external_id": f"t{i}"}
        for i in range(3)
    ]  # fmt: skip
    wellness = [{**ref, "date": day, "sleep_h": 7.0}]
    injuries = [{**ref, "start_date": day, "body_part": "knee", "severity": severity}]
    return ImportBatch(
        athletes=build_frame([{"name": "a1", "athlete_ref": "test:a1"}], name="athletes"),
        sessions=build_frame(sessions, name="sessions"),
        wellness=build_frame(wellness, name="wellness"),
        injuries=build_frame(injuries, name="injuries"),
    )


def test_import_batch_failure_in_last_frame_leaves_no_partial_rows(
    factory: sessionmaker[Session],
) -> None:
    # given a batch whose athlete, sessions and check-in are fine, but whose injury breaks a
    # NOT NULL constraint: the database fails after the other rows were already inserted
    before = _counts(factory)
    broken = _ref_batch(severity=None)
    # when it is imported
    result = import_batch(
        factory, batch=broken, label="broken", fmt="test", options=ImportOptions()
    )
    # then the file failed, naming the database's reason, and nothing of it stayed
    assert result.status == "failed" and result.n_imported == 0
    assert "the database refused the file" in (result.error or "")
    assert _counts(factory) == before
    # and the same batch, repaired, imports completely
    fixed = import_batch(
        factory, batch=_ref_batch(severity="minor"), label="ok", fmt="test", options=ImportOptions()
    )
    assert fixed.imported == {"athletes": 1, "sessions": 3, "sets": 0, "wellness": 1, "injuries": 1}


def test_import_batch_repeated_record_in_batch_is_kept_once(
    factory: sessionmaker[Session], athlete_id: int
) -> None:
    # given a batch with the same session twice (same source and external_id)
    row = {
        "athlete_id": athlete_id, "date": dt.date(2025, 6, 1), "kind": "run",
        "type": "easy_trail", "duration_min": 30.0, "source": "test", "external_id": "x",
    }  # fmt: skip
    batch = ImportBatch(sessions=build_frame([row, row], name="sessions"))
    # when imported
    result = import_batch(
        factory,
        batch=batch,
        label="twice",
        fmt="test",
        options=ImportOptions(athlete_id=athlete_id),
    )
    # then one row is stored, the repeat is a duplicate with a warning
    assert result.imported["sessions"] == 1 and result.duplicates["sessions"] == 1
    assert result.warnings and "repeat an earlier one" in result.warnings[0]
