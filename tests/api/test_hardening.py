"""What a hostile client tried: odd upload names, numbers as dates, undeclared limits, and
log records written twice."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.observability import configure_logging
from api.uploads import MAX_NAME_BYTES, safe_file_name
from engine.log_setup import configure_cli_logging
from engine.settings import Settings
from tests.api.conftest import add_athlete, add_user, with_secret

GPX = b'<?xml version="1.0"?><gpx version="1.1" creator="t"><trk><trkseg></trkseg></trk></gpx>'


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, mlflow_template: Path) -> Iterator[TestClient]:
    """One app for the module, with athlete 1, its athlete login and an admin."""
    data_dir = tmp_path_factory.mktemp("hardening") / "data"
    data_dir.mkdir()
    shutil.copy(mlflow_template, data_dir / "mlflow.db")
    settings = with_secret(Settings(data_dir=data_dir), log_level="WARNING")
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        athlete_id = add_athlete(app)
        app.state.test_headers = {
            "athlete": add_user(app, username="mia", role="athlete", athlete_id=athlete_id),
            "admin": add_user(app, username="ada", role="admin"),
        }
        yield test_client


def _athlete(client: TestClient) -> tuple[int, dict[str, str]]:
    return 1, client.app.state.test_headers["athlete"]


@pytest.mark.parametrize(
    "name",
    [
        "a" * 300 + ".gpx",  # 304 bytes: over the 255 a file system allows
        "é" * 200 + ".gpx",  # 404 bytes in UTF-8
        "x\x00y.gpx",
        "line\r\nbreak.gpx",
        "\u202egpx.exe",  # right-to-left override
        "../../etc/passwd",
        "C:\\Users\\mia\\run.gpx",
        " ",
    ],
)
def test_odd_upload_names_never_give_a_500(client: TestClient, name: str) -> None:
    # given an athlete
    athlete_id, headers = _athlete(client)
    # when a file with an odd name is uploaded
    files = [("files", (name, GPX, "application/gpx+xml"))]
    response = client.post(f"/athletes/{athlete_id}/imports", files=files, headers=headers)
    # then the answer is the import summary (here: no track points), never a 500
    assert response.status_code in (200, 201, 422), response.text
    file_name = response.json()["summary"]["files"][0]["file"]
    assert len(file_name.encode()) <= MAX_NAME_BYTES
    assert "\x00" not in file_name and "/" not in file_name and "\u202e" not in file_name


def test_safe_file_name_keeps_the_extension_when_shortening() -> None:
    # when long names are shortened, then the extension stays (format detection needs it)
    name = safe_file_name("run-" + "x" * 400 + ".fit", default="upload")
    assert name.startswith("run-x") and name.endswith("x....fit")
    assert len(name.encode()) <= MAX_NAME_BYTES
    # and multi-byte characters are never cut in half
    wide = safe_file_name("ü" * 300, default="upload")
    assert len(wide.encode()) <= MAX_NAME_BYTES and wide.startswith("ü" * 90)


@pytest.mark.parametrize("value", [0, 86400, 1.0, "0", "86400", "20250101", True])
def test_dates_must_be_iso_text_everywhere(client: TestClient, value: object) -> None:
    # given an athlete
    athlete_id, headers = _athlete(client)
    base = f"/athletes/{athlete_id}"
    # when a number (or digits) is sent where a date goes, then 422 naming the field
    body = {"date": value, "sleep_h": 7}
    wellness = client.post(f"{base}/wellness", json=body, headers=headers)
    assert wellness.status_code == 422 and wellness.json()["detail"][0]["field"] == "date"
    session = {"date": "2025-01-02", "start_time": value, "kind": "run", "type": "easy_trail",
               "duration_min": 30}  # fmt: skip
    if not isinstance(value, str):
        started = client.post(f"{base}/sessions", json=session, headers=headers)
        assert started.status_code == 422, started.text
    query = client.get(f"{base}/recommendation", params={"date": str(value)}, headers=headers)
    assert query.status_code == 422 and query.json()["detail"][0]["field"] == "date"
    lock = {"type": "rest", "duration_min": 0}
    path = client.put(f"{base}/plan/locks/{value}", json=lock, headers=headers)
    assert path.status_code == 422 and path.json()["detail"][0]["field"] == "day"


def test_schema_declares_lock_types_and_at_least_one_file(client: TestClient) -> None:
    # given the OpenAPI schema
    schema = client.get("/openapi.json").json()
    lock = schema["components"]["schemas"]["PlanLockCreate"]["properties"]["type"]
    upload = schema["paths"]["/athletes/{athlete_id}/imports"]["post"]["requestBody"]
    files = upload["content"]["multipart/form-data"]["schema"]["properties"]["files"]
    # then lock types are an enum and imports need one file at least
    assert "long_trail" in lock["enum"] and "rest" in lock["enum"]
    assert files["minItems"] == 1
    # and the server enforces the same: an unknown type and an empty upload are 422
    athlete_id, headers = 1, client.app.state.test_headers["admin"]
    bad = {"type": "marathon", "duration_min": 60}
    answer = client.put(f"/athletes/{athlete_id}/plan/locks/2025-06-01", json=bad, headers=headers)
    assert answer.status_code == 422
    empty = client.post(
        f"/athletes/{athlete_id}/imports", files={"note": (None, "x")}, headers=headers
    )
    assert empty.status_code == 422 and "at least one file" in str(empty.json()["detail"])


def test_each_log_record_is_written_once(
    api_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    # given `cairn serve`: the CLI's logging first, then the app's (twice, as reloads do)
    configure_cli_logging()
    create_app(with_secret(api_settings))
    configure_logging("INFO")
    # when one record is logged, by our code and by MLflow
    logging.getLogger("api.access").info("one-line-please")
    logging.getLogger("mlflow.store.db.utils").info("Creating initial MLflow database tables")
    logging.getLogger("mlflow.tracking").warning("mlflow-warning-kept")
    # then it appears exactly once, as JSON; MLflow INFO is silent, its warnings kept
    err = capsys.readouterr().err
    assert err.count("one-line-please") == 1 and '"logger": "api.access"' in err
    assert "Creating initial MLflow" not in err
    assert err.count("mlflow-warning-kept") == 1
    root = logging.getLogger()
    owned = [h for h in root.handlers if getattr(h, "cairn_handler", False)]
    assert len(owned) == 1
    for handler in owned:  # it writes to this test's captured stderr: leave none behind
        root.removeHandler(handler)
