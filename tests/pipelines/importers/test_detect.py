"""Format detection, dispatch, folder expansion and the project's sample generator."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pytest

from pipelines.importers import (
    ImportFileError,
    Rejection,
    detect_format,
    iter_import_files,
    merge_batches,
    read_activity_file,
)


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("fit/garmin.fit", "fit"),
        ("gpx/amazfit.gpx", "gpx"),
        ("strength/strong.csv", "strength-csv"),
        ("strength/workout_data.csv", "strength-csv"),
    ],
)
def test_detect_format_shared_files(activity_samples: Path, relative: str, expected: str) -> None:
    # given a real file, then its format is recognised
    assert detect_format(activity_samples / relative) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("hill-run.fit", "fit"),
        ("hill-run.gpx", "gpx"),
        ("strong-semicolon.csv", "strength-csv"),
        ("cairn-sessions.csv", "cairn-csv"),
        ("cairn-wellness.csv", "cairn-csv"),
        ("cairn-injuries.csv", "cairn-csv"),
    ],
)
def test_detect_format_project_samples(samples: Path, name: str, expected: str) -> None:
    assert detect_format(samples / name) == expected


def test_detect_format_sniffs_content_without_extension(tmp_path: Path, samples: Path) -> None:
    # given FIT and GPX content under neutral names
    fit = tmp_path / "activity.dat"
    fit.write_bytes((samples / "hill-run.fit").read_bytes())
    gpx = tmp_path / "track.xml"
    gpx.write_bytes((samples / "hill-run.gpx").read_bytes())
    # then the content decides
    assert (detect_format(fit), detect_format(gpx)) == ("fit", "gpx")


def test_detect_format_pmdata_root_and_participant(pmdata_root: Path) -> None:
    assert detect_format(pmdata_root) == "pmdata"
    assert detect_format(pmdata_root / "p03") == "pmdata"


def test_detect_format_missing_path(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match=r"^nope\.csv: no such file"):
        detect_format(tmp_path / "nope.csv")


def test_iter_import_files_expands_folders_but_keeps_pmdata(
    activity_samples: Path, pmdata_root: Path
) -> None:
    # given the activity-samples folder and the PMData root
    items = iter_import_files([activity_samples, pmdata_root])
    # then every FIT/GPX/CSV file is listed once, and PMData stays one item
    names = [p.name for p in items]
    assert len([n for n in names if n.endswith(".fit")]) == 10
    assert len([n for n in names if n.endswith(".gpx")]) == 5
    assert items[-1] == pmdata_root and "PROVENANCE.md" not in names


def test_read_activity_file_dispatches_and_merges(samples: Path) -> None:
    # given every project sample
    today = dt.date(2024, 6, 1)
    paths = [p for p in iter_import_files([samples]) if p.suffix != ".py"]
    # when each is read and the batches merged
    merged = merge_batches(read_activity_file(p, athlete_id=9, today=today) for p in paths)
    # then the counts add up: 1 FIT + 1 GPX + 2 workouts + 7 Cairn sessions
    assert merged.counts() == {
        "athletes": 0,
        "sessions": 11,
        "sets": 20,
        "wellness": 7,
        "injuries": 2,
        "rejections": 0,
    }


def test_rejection_message_without_record_or_value() -> None:
    # given a whole-file rejection
    rejection = Rejection(file="a.csv", record=None, field=None, rule="no rows", value=None)
    # then the message is just file and rule
    assert rejection.message() == "a.csv: no rows"


def test_make_samples_is_deterministic(tmp_path: Path, samples: Path) -> None:
    # given the sample generator (needs fit-tool to write FIT)
    pytest.importorskip("fit_tool", reason="make_samples.py writes FIT with fit-tool")
    spec = importlib.util.spec_from_file_location("make_samples", samples / "make_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # when it writes into a fresh folder
    written = module.write_samples(tmp_path)
    # then every file equals the committed one byte for byte, all under 200 KB together
    for path in written:
        assert path.read_bytes() == (samples / path.name).read_bytes(), path.name
    assert sum(p.stat().st_size for p in written) < 200_000
