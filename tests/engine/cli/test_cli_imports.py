"""``cairn import`` through typer's CliRunner on a real SQLite database in a tmp data dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import Result

from engine.store import database, logbook
from tests.import_cases import MIXED_BAD_ROW, MIXED_SESSIONS, SAMPLES, Malformed, malformed_cases

CASES = malformed_cases()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir whose database holds athlete 1 (shared by the tests of this module)."""
    folder = tmp_path_factory.mktemp("cli-imports") / "data"
    engine = database.make_engine(f"sqlite:///{folder / 'app.sqlite'}")
    database.migrate_database(engine)
    with database.open_session(database.make_session_factory(engine)) as session:
        assert logbook.create_athlete(session, data={"name": "Mia"}).id == 1
    engine.dispose()
    return folder


def _rows(data_dir: Path) -> dict[str, int]:
    engine = database.make_engine(f"sqlite:///{data_dir / 'app.sqlite'}")
    try:
        with database.open_session(database.make_session_factory(engine)) as session:
            return logbook.count_rows(session)
    finally:
        engine.dispose()


def _text(result: Result) -> str:
    return " ".join(result.output.split())


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_cli_import_malformed_file_names_problem_and_writes_nothing(
    cairn, data_dir: Path, tmp_path: Path, case: Malformed
) -> None:
    # given a malformed file
    path = tmp_path / case.name
    path.write_bytes(case.content)
    before = _rows(data_dir)
    # when imported
    result = cairn("import", str(path), "--athlete", "1")
    # then exit code 1, the message names the problem, and no row was written
    assert result.exit_code == 1, result.output
    assert case.expected in _text(result)
    assert _rows(data_dir) == before


def test_cli_import_sample_twice_reports_duplicates(cairn, data_dir: Path) -> None:
    # given the project's Strong export
    path = str(SAMPLES / "strong-semicolon.csv")
    before = _rows(data_dir)
    # when imported twice
    first = cairn("import", path, "--athlete", "1")
    after_first = _rows(data_dir)
    second = cairn("import", path, "--athlete", "1")
    # then the first writes 2 sessions with 20 sets, the second nothing, saying so; both exit 0
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert after_first["training_session"] == before["training_session"] + 2
    assert after_first["strength_set"] == before["strength_set"] + 20
    assert "Imported 22 row(s) from 1 file(s)" in _text(first)
    assert "nothing new: everything was already imported" in _text(second)
    assert _rows(data_dir) == after_first


def test_cli_import_mixed_file_all_or_nothing_then_skip_invalid(
    cairn, data_dir: Path, tmp_path: Path
) -> None:
    # given a sessions file with one bad row between two good ones
    path = tmp_path / "mixed.csv"
    path.write_bytes(MIXED_SESSIONS)
    before = _rows(data_dir)
    # when imported as is: nothing is written and the bad row is named
    refused = cairn("import", str(path), "--athlete", "1")
    assert refused.exit_code == 1
    assert MIXED_BAD_ROW in _text(refused)
    assert "nothing imported; fix them, or skip them (--skip-invalid" in _text(refused)
    assert "to import the 2 valid record(s)" in _text(refused)
    assert _rows(data_dir) == before
    # when imported with --skip-invalid: the 2 good rows are written, the bad one reported
    kept = cairn("import", str(path), "--athlete", "1", "--skip-invalid")
    assert kept.exit_code == 0, kept.output
    assert "1 record(s) skipped" in _text(kept) and MIXED_BAD_ROW in _text(kept)
    assert _rows(data_dir)["training_session"] == before["training_session"] + 2


def test_cli_import_unknown_athlete_names_it_and_writes_nothing(cairn, data_dir: Path) -> None:
    before = _rows(data_dir)
    result = cairn("import", str(SAMPLES / "hill-run.fit"), "--athlete", "99")
    assert result.exit_code == 1
    assert "athlete 99 not found; create the athlete first" in _text(result)
    assert _rows(data_dir) == before


def test_cli_import_unknown_athlete_in_csv_column_writes_nothing(
    cairn, data_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "s.csv"
    path.write_text(
        "athlete_id,date,kind,duration_min\n1,2024-05-01,run,30\n99,2024-05-01,run,30\n"
    )
    before = _rows(data_dir)
    result = cairn("import", str(path), "--athlete", "1")
    assert result.exit_code == 1
    assert "s.csv: athlete 99 not found" in _text(result)
    assert _rows(data_dir) == before


def test_cli_import_missing_path_and_folder_without_files(
    cairn, data_dir: Path, tmp_path: Path
) -> None:
    # given a path that does not exist, and a folder with no importable file
    (tmp_path / "empty-folder").mkdir()
    (tmp_path / "empty-folder" / "notes.txt").write_text("hello")
    good = str(SAMPLES / "hill-run.gpx")
    before = _rows(data_dir)
    # when either is given (even next to a good file), nothing is imported
    missing = cairn("import", good, str(tmp_path / "nope.fit"), "--athlete", "1")
    folder = cairn("import", good, str(tmp_path / "empty-folder"), "--athlete", "1")
    # then exit code 1 with a message naming the path
    assert missing.exit_code == 1 and "no such file or folder:" in _text(missing)
    assert "nope.fit; nothing imported" in _text(missing)
    assert folder.exit_code == 1
    assert "folder has no .fit, .gpx or .csv file and is not PMData" in _text(folder)
    assert _rows(data_dir) == before


def test_cli_import_folder_given_as_fit_is_refused(cairn, data_dir: Path, tmp_path: Path) -> None:
    # given a folder named like a FIT file and --format fit
    (tmp_path / "ride.fit").mkdir()
    (tmp_path / "ride.fit" / "x.fit").write_bytes(b"")
    before = _rows(data_dir)
    result = cairn("import", str(tmp_path / "ride.fit"), "--athlete", "1", "--format", "fit")
    assert result.exit_code == 1
    assert "x.fit: empty file (0 bytes)" in _text(result)
    assert _rows(data_dir) == before


def test_cli_import_without_athlete_asks_for_one(cairn, data_dir: Path) -> None:
    before = _rows(data_dir)
    result = cairn("import", str(SAMPLES / "hill-run.fit"))
    assert result.exit_code == 1
    assert "no athlete given for its records; name one (cairn import --athlete ID)" in _text(result)
    assert _rows(data_dir) == before


def test_cli_import_unknown_format_option_is_a_usage_error(cairn) -> None:
    result = cairn("import", str(SAMPLES / "hill-run.fit"), "--format", "tcx")
    assert result.exit_code == 2
    assert "tcx" in _text(result)


def test_cli_import_json_summary_and_partial_failure_exit_code(
    cairn, data_dir: Path, tmp_path: Path
) -> None:
    # given one good file and one damaged file in the same run
    bad = tmp_path / "bad.gpx"
    bad.write_text("<gpx")
    before = _rows(data_dir)
    result = cairn(
        "import", str(SAMPLES / "cairn-injuries.csv"), str(bad), "--athlete", "1", "--json"
    )
    # then the good file is imported (its own transaction), the bad one fails: exit code 1
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert [f["status"] for f in summary["files"]] == ["ok", "failed"]
    assert summary["imported"]["injuries"] == 2
    assert "bad.gpx: not valid GPX XML" in summary["files"][1]["error"]
    assert _rows(data_dir)["injury"] == before["injury"] + 2
