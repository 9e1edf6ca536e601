"""Session catalogue: vocabulary, candidates, loads and terrain estimates."""

from __future__ import annotations

import pytest

from engine.optimizer.catalogue import (
    CATALOGUE,
    STRENGTH,
    TEMPO_OR_FARTLEK,
    TRAIL_RUN,
    Candidate,
    category_of,
    enumerate_candidates,
    is_safe_when_unwell,
    make_candidate,
)
from pipelines.loads import DEFAULT_RPE_BY_TYPE
from pipelines.sessions import HARD_RPE
from pipelines.simulator.catalogue import SESSION_TYPES

EXPECTED_TYPES = {
    "rest": ("rest", "rest"),
    "mobility": ("mobility", "easy"),
    "recovery_jog": ("run", "easy"),
    "easy_trail": ("run", "easy"),
    "long_trail": ("run", "moderate"),
    "hills": ("run", "hard"),
    "tempo": ("run", "hard"),
    "fartlek": ("run", "hard"),
    "downhill": ("run", "hard"),
    "strength_lower": ("strength", "moderate"),
    "strength_full": ("strength", "moderate"),
    "strength_explosive": ("strength", "hard"),
    "easy_spin": ("cross", "easy"),
    "walk": ("cross", "easy"),
    "race": ("run", "hard"),  # a goal event on its day (issue 12), never offered
}


def test_catalogue_types_have_the_prescribed_kind_and_intensity() -> None:
    # given the catalogue / when reading each type / then kind and intensity are as prescribed
    assert {t: (s.kind, s.intensity) for t, s in CATALOGUE.items()} == EXPECTED_TYPES


def test_catalogue_vocabulary_matches_simulator_and_importers() -> None:
    # given the simulator's types / then every offered non-rest catalogue id is one of them and
    # back (``race`` is planned from an athlete's goal events only, the simulator plans none)
    assert set(CATALOGUE) - {"rest", "race"} == set(SESSION_TYPES)
    assert CATALOGUE["race"].durations_min == ()


def test_catalogue_target_rpe_matches_pipeline_defaults_and_hard_threshold() -> None:
    # given the pipeline's default RPEs / then targets agree and hard means RPE >= 7
    for type_id, spec in CATALOGUE.items():
        if type_id != "rest":
            assert spec.target_rpe == DEFAULT_RPE_BY_TYPE[type_id]
        assert (spec.intensity == "hard") == (spec.target_rpe >= HARD_RPE)


def test_enumerate_candidates_gives_every_type_at_a_few_durations() -> None:
    # when enumerating without a limit
    candidates = enumerate_candidates()
    # then 25-35 candidates cover every type at its allowed durations
    assert 25 <= len(candidates) <= 35
    assert {c.type for c in candidates} == set(CATALOGUE) - {"race"}
    assert len(set(candidates)) == len(candidates)
    long_trail = sorted(c.duration_min for c in candidates if c.type == "long_trail")
    assert long_trail[0] == 75 and long_trail[-1] == 150


@pytest.mark.parametrize("max_minutes", [0, 20, 30, 45, 60])
def test_enumerate_candidates_respects_max_minutes_and_keeps_rest(max_minutes: int) -> None:
    # when limiting the duration
    candidates = enumerate_candidates(max_minutes=max_minutes)
    # then nothing is longer and rest is always offered
    assert all(c.duration_min <= max_minutes for c in candidates)
    assert any(c.type == "rest" for c in candidates)


def test_candidate_load_au_is_rpe_times_minutes() -> None:
    # given a 55-minute tempo at RPE 7 / then its session-RPE load is 385 AU
    assert make_candidate("tempo", 55).load_au == pytest.approx(385.0)
    assert make_candidate("rest", 0).load_au == 0.0


@pytest.mark.parametrize(
    ("type_id", "minutes", "km", "gain_m", "loss_m"),
    [
        ("hills", 60, 60 / 8.6, 60 / 8.6 * 70, 60 / 8.6 * 70),
        ("easy_trail", 60, 60 / 6.7, 60 / 6.7 * 35, 60 / 6.7 * 35),
        ("downhill", 55, 55 / 6.3, 55 / 6.3 * 20, 55 / 6.3 * 70),
        ("walk", 60, 60 / 11.0, 60 / 11.0 * 15, 60 / 11.0 * 15),
        ("strength_lower", 60, 0.0, 0.0, 0.0),
        ("easy_spin", 45, 0.0, 0.0, 0.0),
    ],
)
def test_make_candidate_estimates_distance_and_climb_from_terrain(
    type_id: str, minutes: int, km: float, gain_m: float, loss_m: float
) -> None:
    # when building a candidate / then distance and climb follow the type's terrain model
    c = make_candidate(type_id, minutes)
    assert c.distance_km == pytest.approx(km, abs=0.01)
    assert c.elevation_gain_m == pytest.approx(gain_m, abs=0.1)
    assert c.elevation_loss_m == pytest.approx(loss_m, abs=0.1)


def test_make_candidate_rejects_unknown_type() -> None:
    with pytest.raises(KeyError):
        make_candidate("parkour", 30)


@pytest.mark.parametrize(
    ("type_id", "kind", "intensity", "expected"),
    [
        ("easy_trail", "run", "easy", TRAIL_RUN),
        ("long_trail", "run", "moderate", TRAIL_RUN),
        ("hills", "run", "hard", TRAIL_RUN),
        ("downhill", "run", "hard", TRAIL_RUN),
        ("tempo", "run", "hard", TEMPO_OR_FARTLEK),
        ("fartlek", "run", "hard", TEMPO_OR_FARTLEK),
        ("strength_explosive", "strength", "hard", STRENGTH),
        ("recovery_jog", "run", "easy", "easy"),
        ("road_intervals", "run", "hard", TEMPO_OR_FARTLEK),
        ("kettlebells", "strength", "moderate", STRENGTH),
        ("swim", "cross", "moderate", "easy"),
    ],
)
def test_category_of_maps_types_and_unknown_sessions(
    type_id: str, kind: str, intensity: str, expected: str
) -> None:
    assert category_of(type_id=type_id, kind=kind, intensity=intensity) == expected


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        (make_candidate("rest", 0), True),
        (make_candidate("mobility", 20), True),
        (make_candidate("easy_spin", 30), True),
        (make_candidate("walk", 60), True),
        (make_candidate("recovery_jog", 20), False),
        (make_candidate("strength_full", 45), False),
        (Candidate("swim", "cross", "easy", 30, 3.0), True),
        (Candidate("rowing", "cross", "hard", 30, 7.0), False),
    ],
)
def test_is_safe_when_unwell_allows_only_rest_mobility_and_easy_cross(
    candidate: Candidate, expected: bool
) -> None:
    c = candidate
    assert is_safe_when_unwell(type_id=c.type, kind=c.kind, intensity=c.intensity) is expected
