"""Fixtures for the importer tests: the shared sample data and the project's own samples."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
SHARED_DATA = (REPO_ROOT / ".." / "shared" / "data").resolve()
SAMPLES = REPO_ROOT / "data" / "samples"
TODAY = dt.date(2026, 1, 1)


def _shared(*parts: str) -> Path:
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data folder ../shared/data not found: {path} is missing")
    return path


@pytest.fixture(scope="session")
def activity_samples() -> Path:
    """The real FIT/GPX/Strong/Hevy files in ../shared/data/activity-samples."""
    return _shared("activity-samples")


@pytest.fixture(scope="session")
def pmdata_root() -> Path:
    """The PMData copy in ../shared/data/pmdata."""
    return _shared("pmdata")


@pytest.fixture(scope="session")
def samples() -> Path:
    """The project's own small samples in data/samples."""
    return SAMPLES


@pytest.fixture(scope="session")
def today() -> dt.date:
    """A fixed 'today' after every sample's date."""
    return TODAY
