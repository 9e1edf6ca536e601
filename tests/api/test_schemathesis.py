"""Property-based fuzzing of every operation in the app's own OpenAPI schema (schemathesis).

In-process (ASGI transport, no server), once with an admin token and once with an athlete's
token, positive and negative data, a fixed budget per operation and derandomized generation
(the same cases every run). Checks: no 5xx, documented status codes and content types,
bodies matching their schema, and invalid data (by the schema) refused with a 4xx, so the
schema declares what the server enforces. The totals are printed (``pytest -s``) and
written to ``<tmp>/schemathesis-summary-<caller>.json``.
"""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from api.main import create_app
from engine.settings import Settings
from engine.store import accounts, credentials, database, jobs
from tests.api.conftest import PASSWORD, with_secret

MAX_EXAMPLES = 8  # per operation and generation mode
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
# Known schema gaps owned elsewhere: these operations skip response_schema_conformance only
# (still: no 5xx, documented status codes and content types). Remove an entry once fixed.
KNOWN_SCHEMA_GAPS: dict[str, str] = {}
# Run last: retraining starts a job that trains until teardown; account changes could switch
# the caller off.
LAST = ("/models/retrain", "/users/{username}")


@pytest.fixture(scope="module")
def fuzz_target(
    tmp_path_factory: pytest.TempPathFactory, trained_dir: Path
) -> Iterator[tuple[schemathesis.BaseSchema, dict[str, dict[str, str]], Path]]:
    """The trained data dir (copied), admin and athlete tokens, the schema from the app."""
    root = tmp_path_factory.mktemp("fuzz")
    data_dir = root / "data"
    shutil.copytree(trained_dir, data_dir)
    app_settings = with_secret(Settings(data_dir=data_dir), log_level="WARNING")
    engine = database.make_engine(app_settings.database_url)
    database.migrate_database(engine)
    headers = {}
    with database.open_session(database.make_session_factory(engine)) as session:
        admin = accounts.create_user(session, username="root", password=PASSWORD, role="admin")
        athlete = accounts.create_user(
            session, username="runner", password=PASSWORD, role="athlete", athlete_id=1
        )
        for caller, user in (("admin", admin), ("athlete", athlete)):
            token = credentials.create_access_token(
                user_id=user.id,
                secret=app_settings.secret_key.get_secret_value(),
                ttl_min=60,
                now=jobs.utcnow(),
            )
            headers[caller] = {"Authorization": f"Bearer {token}"}
    engine.dispose()
    app = create_app(app_settings)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    yield schema, headers, root
    asgi.shutdown_lifespans()


def _fuzz_operation(operation, headers: dict[str, str], mode: GenerationMode) -> Counter:  # noqa: ANN001
    statuses: Counter = Counter()
    label = f"{operation.method.upper()} {operation.path}"
    checks = [
        c for c in CHECKS if label not in KNOWN_SCHEMA_GAPS or c is not response_schema_conformance
    ]

    # Positive cases target athlete 1 (it exists), so they reach the handlers, not a 404.
    fixed = {"athlete_id": 1} if "{athlete_id}" in operation.path else {}
    fixed = fixed if mode is GenerationMode.POSITIVE else {}

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed))
    def run(case: schemathesis.Case) -> None:
        response = case.call(headers=headers)
        statuses[response.status_code] += 1
        case.validate_response(response, checks=checks)

    try:
        run()
    except Unsatisfiable:
        assert mode is GenerationMode.NEGATIVE  # nothing to negate (no parameters, no body)
    return statuses


@pytest.mark.slow  # hundreds of generated requests over the whole schema
@pytest.mark.parametrize("caller", ["athlete", "admin"])
def test_every_operation_survives_fuzzing(
    fuzz_target: tuple[schemathesis.BaseSchema, dict[str, dict[str, str]], Path], caller: str
) -> None:
    # given the app's own schema and the caller's token
    schema, all_headers, root = fuzz_target
    headers = all_headers[caller]
    operations = [result.ok() for result in schema.get_all_operations()]
    operations.sort(key=lambda op: op.path.startswith(LAST))
    started = time.monotonic()
    summary: dict[str, dict[str, dict[int, int]]] = {}
    failures: dict[str, str] = {}
    seconds: dict[str, float] = {}
    # when every operation gets positive and negative generated requests
    for operation in operations:
        label = f"{operation.method.upper()} {operation.path}"
        summary[label] = {}
        op_started = time.monotonic()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                summary[label][mode.value] = dict(_fuzz_operation(operation, headers, mode))
            except (Exception, BaseExceptionGroup) as err:  # noqa: BLE001 - collect all
                failures[f"{label} ({mode.value})"] = str(err)[:3000]
        seconds[label] = round(time.monotonic() - op_started, 2)
    # then no check failed; record what ran
    total = sum(n for modes in summary.values() for sc in modes.values() for n in sc.values())
    report = {
        "operations": len(operations),
        "requests": total,
        "max_examples_per_operation_and_mode": MAX_EXAMPLES,
        "seconds": round(time.monotonic() - started, 1),
        "schema_check_skipped": KNOWN_SCHEMA_GAPS,
        "seconds_by_operation": seconds,
        "status_codes_by_operation": summary,
    }
    (root / f"schemathesis-summary-{caller}.json").write_text(json.dumps(report, indent=2))
    print(f"\nschemathesis ({caller}): {len(operations)} operations, {total} requests")
    print(json.dumps(report, indent=1))
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
    assert len(operations) >= 14
    assert all(code < 500 for modes in summary.values() for sc in modes.values() for code in sc)
