"""The test run ignores the developer's own CAIRN_* environment (see tests/conftest.py)."""

from __future__ import annotations

import os

from engine.settings import Settings
from tests.conftest import KEPT_VARIABLES


def test_run_sees_no_cairn_variables_but_the_test_database() -> None:
    leaked = sorted(k for k in os.environ if k.startswith("CAIRN_") and k not in KEPT_VARIABLES)
    assert leaked == []
    assert Settings().secret_key.get_secret_value() == ""
