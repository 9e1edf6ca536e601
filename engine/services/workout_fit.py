"""Today's session as a structured FIT workout file (FIT SDK workout messages), for a watch.

Pure: takes the recommendation dict (session + prescription) and returns the ``.fit``
bytes, written with ``fit-tool``. The file holds ``file_id`` (type ``workout``), one
``workout`` message and its ``workout_step`` messages:

- runs and cross-training: a warm-up step, the main step(s) and a cool-down step, each
  with a time duration; the main step targets the heart-rate zone in bpm when it is known
  (custom target, bpm + 100 as the SDK specifies), else it is open and names the RPE;
- strength: per exercise a step of ``reps`` (duration type ``reps``, weight in kg), a rest
  step and a repeat step for the sets; holds (planks) are timed steps;
- mobility: one timed step per exercise.

A rest day has no workout (:class:`NoWorkoutError`).
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from engine.coach.prescription_text import exercise_text, route_text, strength_exercises

HR_BPM_OFFSET = 100  # FIT: custom heart-rate targets above 100 are bpm + 100
REST_BETWEEN_SETS_S = 90
WARM_UP_MIN = 10.0
COOL_DOWN_MIN = 10.0
SHORT_SESSION_MIN = 40.0  # below this, warm-up and cool-down are 5 min each
MAX_NAME = 40  # characters kept in step and workout names
MAX_NOTES = 120
SPORTS: dict[str, tuple[str, str]] = {  # FIT sport and sub_sport
    "run": ("RUNNING", "TRAIL"),
    "strength": ("TRAINING", "STRENGTH_TRAINING"),
    "mobility": ("TRAINING", "FLEXIBILITY_TRAINING"),
    "easy_spin": ("CYCLING", "GENERIC"),
    "walk": ("WALKING", "GENERIC"),
}
WARMUP, ACTIVE, REST, COOLDOWN = "WARMUP", "ACTIVE", "REST", "COOLDOWN"  # FIT intensity


class NoWorkoutError(ValueError):
    """The day is a rest day: there is nothing to send to a watch."""


@dataclass(frozen=True)
class Step:
    """One workout step before encoding (durations in seconds, heart rate in bpm)."""

    name: str
    intensity: str
    duration_s: float | None = None
    hr_bpm: tuple[int, int] | None = None
    notes: str = ""
    reps: int | None = None
    weight_kg: float | None = None
    repeat_from: int | None = None
    repeat_times: int | None = None


def _split_minutes(total_min: float) -> tuple[float, float, float]:
    edge = WARM_UP_MIN if total_min >= SHORT_SESSION_MIN else min(5.0, total_min / 4)
    return edge, max(total_min - 2 * edge, 1.0), edge


def _endurance_steps(session: Mapping[str, Any], main: Mapping[str, Any]) -> list[Step]:
    warm, work, cool = _split_minutes(float(session["duration_min"]))
    zone = main.get("hr_zone") or {}
    bpm = zone.get("bpm")
    hr = (int(round(bpm[0])), int(round(bpm[1]))) if bpm else None
    rpe = f"RPE {float(session['target_rpe']):g}"
    notes = "; ".join(
        str(x) for x in (rpe, zone.get("zone"), route_text(main), main.get("structure")) if x
    )
    return [
        Step("Warm-up", WARMUP, duration_s=warm * 60, notes="easy, RPE 2-3"),
        Step(str(session["type"]).replace("_", " "), ACTIVE, work * 60, hr, notes),
        Step("Cool-down", COOLDOWN, duration_s=cool * 60, notes="easy, RPE 2-3"),
    ]


def _strength_steps(main: Mapping[str, Any]) -> list[Step]:
    rest_s = float(main.get("rest_between_sets_s") or REST_BETWEEN_SETS_S)
    steps: list[Step] = [Step("Warm-up", WARMUP, duration_s=300.0, notes="5 min")]
    for exercise in strength_exercises(main):
        first = len(steps)
        name, text = str(exercise["exercise"]), exercise_text(exercise)
        if exercise.get("reps") is not None:
            work = Step(name, ACTIVE, reps=int(exercise["reps"]), notes=text,
                        weight_kg=exercise.get("load_kg"))  # fmt: skip
        else:
            hold = float(exercise.get("hold_s") or 30)
            work = Step(name, ACTIVE, duration_s=hold, notes=text)
        steps += [work, Step("Rest", REST, duration_s=rest_s)]
        sets = int(exercise.get("sets") or 1)
        if sets > 1:
            steps.append(Step("Repeat", ACTIVE, repeat_from=first, repeat_times=sets))
    steps.append(Step("Cool-down", COOLDOWN, duration_s=300.0, notes="stretching"))
    return steps


def _mobility_steps(session: Mapping[str, Any], main: Mapping[str, Any]) -> list[Step]:
    items = [str(e) for e in main.get("exercises", []) if isinstance(e, str)]
    if not items:
        return [Step("Mobility", ACTIVE, float(session["duration_min"]) * 60)]
    each = float(session["duration_min"]) * 60 / len(items)
    return [Step(item.split(":")[0], ACTIVE, each, notes=item) for item in items]


def workout_steps(session: Mapping[str, Any], prescription: Mapping[str, Any] | None) -> list[Step]:
    """The steps of the day's session; raises :class:`NoWorkoutError` on a rest day."""
    if session["kind"] == "rest" or float(session["duration_min"]) <= 0:
        raise NoWorkoutError("today is a rest day: there is no workout to send to a watch")
    main = (prescription or {}).get("main_set", {})
    if session["kind"] == "strength" and strength_exercises(main):
        return _strength_steps(main)
    if session["kind"] == "mobility":
        return _mobility_steps(session, main)
    return _endurance_steps(session, main)


def _load_fit_tool() -> dict[str, ModuleType]:
    """Import fit-tool lazily: its import calls ``logging.basicConfig``, which would add a
    second root handler (every log line written twice); that handler is removed again."""
    root = logging.getLogger()
    before = list(root.handlers)
    names = ("fit_file_builder", "profile.messages.file_id_message",
             "profile.messages.workout_message", "profile.messages.workout_step_message",
             "profile.profile_type")  # fmt: skip
    modules = {
        name.rsplit(".", 1)[-1]: importlib.import_module(f"fit_tool.{name}") for name in names
    }
    for handler in list(root.handlers):
        if handler not in before:
            root.removeHandler(handler)
    return modules


def _encode_step(fit: dict[str, ModuleType], index: int, step: Step) -> Any:
    types = fit["profile_type"]
    WorkoutStepDuration, WorkoutStepTarget = types.WorkoutStepDuration, types.WorkoutStepTarget
    message = fit["workout_step_message"].WorkoutStepMessage()
    message.message_index = index
    message.workout_step_name = step.name[:MAX_NAME]
    if step.repeat_from is not None:
        message.duration_type = WorkoutStepDuration.REPEAT_UNTIL_STEPS_CMPLT
        message.duration_step = step.repeat_from
        message.target_repeat_steps = step.repeat_times
        return message
    message.intensity = types.Intensity[step.intensity]
    if step.reps is not None:
        message.duration_type = WorkoutStepDuration.REPS
        message.duration_reps = step.reps
    elif step.duration_s is not None:
        message.duration_type = WorkoutStepDuration.TIME
        message.duration_time = float(step.duration_s)  # seconds (stored in ms)
    else:
        message.duration_type = WorkoutStepDuration.OPEN
    if step.hr_bpm is not None:
        message.target_type = WorkoutStepTarget.HEART_RATE
        message.target_hr_zone = 0  # 0: a custom range in custom_target_heart_rate_low/high
        message.custom_target_heart_rate_low = step.hr_bpm[0] + HR_BPM_OFFSET
        message.custom_target_heart_rate_high = step.hr_bpm[1] + HR_BPM_OFFSET
    else:
        message.target_type = WorkoutStepTarget.OPEN
    if step.weight_kg is not None:
        message.exercise_weight = float(step.weight_kg)
    if step.notes:
        message.notes = step.notes[:MAX_NOTES]
    return message


def build_workout_fit(recommendation: Mapping[str, Any], *, now: dt.datetime) -> bytes:
    """Encode the recommendation's session as a FIT workout file.

    Args:
        recommendation: the recommendation JSON (``session``, ``prescription``, ``date``).
        now: the file's creation time (UTC).

    Raises:
        NoWorkoutError: the session is rest.
    """
    session = recommendation["session"]
    steps = workout_steps(session, recommendation.get("prescription"))
    sport, sub_sport = SPORTS.get(session["type"]) or SPORTS.get(
        session["kind"], ("GENERIC", "GENERIC")
    )
    fit = _load_fit_tool()
    types = fit["profile_type"]
    file_id = fit["file_id_message"].FileIdMessage()
    file_id.type = types.FileType.WORKOUT
    file_id.manufacturer = types.Manufacturer.DEVELOPMENT.value
    file_id.product = 0
    file_id.serial_number = 1
    stamp = now.replace(tzinfo=dt.UTC) if now.tzinfo is None else now
    file_id.time_created = round(stamp.timestamp() * 1000)
    workout = fit["workout_message"].WorkoutMessage()
    workout.workout_name = f"Cairn {session['type'].replace('_', ' ')}"[:MAX_NAME]
    workout.sport = types.Sport[sport]
    workout.sub_sport = types.SubSport[sub_sport]
    workout.num_valid_steps = len(steps)
    builder = fit["fit_file_builder"].FitFileBuilder(auto_define=True, min_string_size=50)
    builder.add(file_id)
    builder.add(workout)
    builder.add_all([_encode_step(fit, i, step) for i, step in enumerate(steps)])
    return builder.build().to_bytes()
