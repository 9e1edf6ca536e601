"""Feature formulas against hand-computed values on a tiny log."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipelines.features import FEATURE_COLUMNS, apply_candidate_sessions, build_daily_features
from pipelines.wellness import readiness_score
from tests.factories import make_injuries, make_sessions, make_training_log, make_wellness


@pytest.fixture
def tiny() -> pd.DataFrame:
    # Given: day 1 a 60 min run at RPE 5 (300 AU), day 2 rest, day 3 40 min strength at RPE 6.
    sessions = make_sessions(
        [
            {
                "date": "2025-03-01",
                "duration_min": 60,
                "rpe": 5,
                "distance_km": 10,
                "elevation_gain_m": 400,
                "elevation_loss_m": 380,
            },
            {
                "date": "2025-03-03",
                "kind": "strength",
                "type": "strength_full",
                "duration_min": 40,
                "rpe": 6,
            },
        ]
    )
    wellness = make_wellness(
        [
            {
                "date": "2025-03-02",
                "sleep_h": 6,
                "sleep_quality": 4,
                "mood": 4,
                "soreness": 2,
                "fatigue": 3,
                "stress": 2,
            }
        ]
    )
    injuries = make_injuries([{"start_date": "2025-03-05"}])
    return build_daily_features(sessions, wellness, injuries, until=pd.Timestamp("2025-03-06"))


def test_build_daily_features_one_row_per_day(tiny: pd.DataFrame) -> None:
    assert list(tiny["date"].dt.day) == [1, 2, 3, 4, 5, 6]
    assert set(FEATURE_COLUMNS) <= set(tiny.columns)


def test_loads_are_session_rpe_by_modality(tiny: pd.DataFrame) -> None:
    assert tiny["load_run"].tolist()[:3] == [300.0, 0.0, 0.0]
    assert tiny["load_strength"].tolist()[:3] == [0.0, 0.0, 240.0]
    assert tiny["load_total"].tolist()[:3] == [300.0, 0.0, 240.0]
    assert tiny.loc[0, "climb_m"] == 400 and tiny.loc[0, "descent_m"] == 380


def test_fitness_fatigue_are_ewma_42_and_7(tiny: pd.DataFrame) -> None:
    atl = [300 / 7, 300 / 7 * 6 / 7, 300 / 7 * (6 / 7) ** 2 + 240 / 7]
    ctl = [300 / 42, 300 / 42 * 41 / 42, 300 / 42 * (41 / 42) ** 2 + 240 / 42]
    np.testing.assert_allclose(tiny["atl"][:3], atl)
    np.testing.assert_allclose(tiny["ctl"][:3], ctl)
    np.testing.assert_allclose(tiny["tsb"][:3], np.array(ctl) - np.array(atl))


def test_acwr_ewma_uses_williams_lambdas(tiny: pd.DataFrame) -> None:
    la, lc = 0.25, 2 / 29
    acute = (300 * la) * (1 - la) ** 2 + 240 * la
    chronic = (300 * lc) * (1 - lc) ** 2 + 240 * lc
    assert tiny.loc[2, "acwr_ewma"] == pytest.approx(acute / max(chronic, 50.0))


def test_monotony_and_strain_over_seven_days(tiny: pd.DataFrame) -> None:
    loads = np.array([300, 0, 240, 0, 0, 0, 0], dtype=float)
    sd = loads.std(ddof=1)
    assert tiny.loc[2, "monotony"] == pytest.approx(loads.mean() / sd)
    assert tiny.loc[2, "strain"] == pytest.approx(540 * loads.mean() / sd)
    assert tiny.loc[2, "acwr_rolling"] == pytest.approx((540 / 7) / 50.0)


def test_readiness_composite_without_self_report(tiny: pd.DataFrame) -> None:
    expected = 100 * np.mean([6 / 8, 3 / 4, 3 / 4, 3 / 4, 2 / 4, 3 / 4])
    assert tiny.loc[1, "readiness_today"] == pytest.approx(expected)
    assert tiny.loc[0, "readiness_next"] == pytest.approx(expected)


def test_readiness_score_prefers_self_report() -> None:
    frame = make_wellness([{"date": "2025-01-01", "readiness": 7, "sleep_h": 4}])
    for column in ("sleep_quality", "soreness", "fatigue", "mood", "stress"):
        frame[column] = np.nan
    assert readiness_score(frame).tolist() == [70.0]


def test_injury_label_is_onset_within_next_seven_days(tiny: pd.DataFrame) -> None:
    assert tiny["injury_7d"].tolist() == [1, 1, 1, 1, 0, 0]
    assert tiny["injured"].tolist() == [0, 0, 0, 0, 1, 1]


def test_wellness_z_score_against_own_baseline() -> None:
    rows = [
        {"date": f"2025-01-0{d}", "sleep_h": s}
        for d, s in zip(range(1, 7), [7, 7, 7, 7, 8, 6], strict=True)
    ]
    frame = build_daily_features(
        make_sessions([{"date": "2025-01-01", "duration_min": 30}]),
        make_wellness(rows),
        make_injuries([]),
    )
    # mean 7.2 and SD 0.447 of the five previous nights (inside both the 7- and the 60-day
    # baseline); SD floored at 0.5 h
    assert frame.loc[5, "sleep_h_z7"] == pytest.approx((6 - 7.2) / 0.5)
    assert frame.loc[5, "sleep_h_z60"] == pytest.approx((6 - 7.2) / 0.5)
    assert np.isnan(frame.loc[3, "sleep_h_z7"])


def test_features_never_read_the_future() -> None:
    # Given a 60-day log, when it is cut after day 40, then days 1-40 are unchanged.
    sessions, wellness, injuries = make_training_log(days=60)
    full = build_daily_features(sessions, wellness, injuries)
    cut = pd.Timestamp("2025-02-09")
    part = build_daily_features(
        sessions[sessions.date <= cut], wellness[wellness.date <= cut], injuries, until=cut
    )
    pd.testing.assert_frame_equal(
        full.loc[: len(part) - 1, list(FEATURE_COLUMNS)], part[list(FEATURE_COLUMNS)]
    )


EXTRA_SESSIONS = {
    "hill run with HR": {
        "kind": "run",
        "type": "hills",
        "duration_min": 55,
        "rpe": 8,
        "distance_km": 9,
        "elevation_gain_m": 600,
        "elevation_loss_m": 600,
        "avg_hr": 165,
    },
    "lift with sets": {"kind": "strength", "type": "strength_lower", "duration_min": 50, "rpe": 7},
    "easy spin on a training day": {"kind": "cross", "type": "easy_spin", "duration_min": 40},
}
SETS = pd.DataFrame(
    {
        "athlete_id": 1,
        "session_external_id": "extra",
        "exercise": ["deadlift", "deadlift", "lunge"],
        "set_number": [1, 2, 3],
        "reps": [5.0, 5.0, 10.0],
        "load_kg": [100.0, 110.0, np.nan],
        "rpe": np.nan,
    }
)


@pytest.mark.parametrize("case", list(EXTRA_SESSIONS))
@pytest.mark.parametrize("sex", ["F", "M"])
def test_apply_candidate_sessions_matches_logging_the_session(case: str, sex: str) -> None:
    # Given a 40-day log and an athlete with known heart-rate bounds
    sessions, wellness, injuries = make_training_log(days=40)
    athletes = pd.DataFrame(
        {"athlete_id": [1], "birth_year": [1990], "sex": [sex], "max_hr": [188.0]}
    )
    today = pd.Timestamp("2025-02-10" if case.endswith("training day") else "2025-02-09")
    extra = make_sessions([{"date": today, **EXTRA_SESSIONS[case]}]).assign(external_id="extra")
    before = sessions[sessions.date < today]
    kwargs = {"until": today, "athletes": athletes, "sets": SETS}
    base = build_daily_features(before, wellness, injuries, **kwargs).tail(1)
    logged = build_daily_features(pd.concat([before, extra]), wellness, injuries, **kwargs)
    # When the same session is applied as a candidate (tonnage 5x100 + 5x110 kg, lunges at
    # bodyweight), and a rest candidate next to it
    candidates = pd.concat([extra, extra.assign(kind="rest")], ignore_index=True)
    candidates["tonnage_kg"] = 1050.0
    rows = apply_candidate_sessions(base.reset_index(drop=True), candidates)
    # Then every feature equals logging it, and rest changes nothing
    assert logged.iloc[-1]["load_total"] > base.iloc[0]["load_total"]
    if "avg_hr" in EXTRA_SESSIONS[case]:
        assert rows.loc[0, "trimp"] > 0
    for column in FEATURE_COLUMNS:
        expected = logged.iloc[-1][column]
        assert rows.loc[0, column] == pytest.approx(expected, nan_ok=True), column
        assert rows.loc[1, column] == pytest.approx(base.iloc[0][column], nan_ok=True), column
