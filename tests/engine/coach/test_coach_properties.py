"""Properties of the coach over random histories, check-ins, blocks and locks (hypothesis).

Whatever the logs, the block (build or deload, any emphasis), the adaptation triggers and the
locks: no plan or choice breaks a hard rule, today's recommendation is day 0 of the plan, a
bad night or high soreness never leaves a hard session today, and locked days are kept.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.coach import coach
from engine.coach.answer import session_dict
from engine.coach.history import AthleteHistory
from engine.coach.scoring import ModelSet
from engine.optimizer.catalogue import CATALOGUE, enumerate_candidates
from engine.optimizer.constraints import violations
from pipelines.schemas import INJURY_COLUMNS, SESSION_COLUMNS, WELLNESS_COLUMNS, conform

NO_MODELS = ModelSet(None, None, {}, degraded_reason="property test")
ALL = enumerate_candidates()
TYPES = sorted(t for t, spec in CATALOGUE.items() if t != "rest" and spec.durations_min)
RARELY = st.sampled_from([False] * 6 + [True])
FAST = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _frame(rows: list[dict], columns: dict[str, str], name: str) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(columns)) if not rows else pd.DataFrame(rows)
    return conform(frame, columns, name=name)


@st.composite
def histories(draw: st.DrawFn) -> tuple[AthleteHistory, dt.date]:
    today = draw(st.dates(dt.date(2024, 3, 1), dt.date(2026, 10, 1)))
    n_days = draw(st.integers(0, 80))
    scale = draw(st.sampled_from([0.5, 1.0, 1.6]))
    sessions, wellness = [], []
    for k in range(n_days, 0, -1):
        day = pd.Timestamp(today - dt.timedelta(days=k))
        if draw(st.floats(0, 1)) < 0.7:
            spec = CATALOGUE[draw(st.sampled_from(TYPES))]
            minutes = float(draw(st.sampled_from(spec.durations_min))) * scale
            sessions.append(
                {"athlete_id": 1, "date": day, "kind": spec.kind, "type": spec.type,
                 "duration_min": minutes, "rpe": spec.target_rpe, "source": "test",
                 "external_id": f"s{k}"}
            )  # fmt: skip
    for k in range(min(n_days, 60), -1, -1):
        if draw(st.floats(0, 1)) < 0.8:
            wellness.append(
                {"athlete_id": 1, "date": pd.Timestamp(today - dt.timedelta(days=k)),
                 "sleep_h": draw(st.floats(3.0, 10.5)), "soreness": draw(st.integers(1, 5)),
                 "readiness": draw(st.integers(0, 10)), "pain": draw(RARELY),
                 "illness": draw(RARELY), "fatigue": draw(st.integers(1, 5))}
            )  # fmt: skip
    injuries = []
    if draw(RARELY):
        start = today - dt.timedelta(days=draw(st.integers(0, 30)))
        length = draw(st.one_of(st.none(), st.integers(0, 40)))
        injuries.append(
            {"athlete_id": 1, "start_date": pd.Timestamp(start),
             "end_date": pd.NaT if length is None else pd.Timestamp(start + dt.timedelta(length)),
             "body_part": draw(st.sampled_from(["calf", "knee", "shoulder", "wrist", "ankle"])),
             "severity": draw(st.sampled_from(["minor", "moderate", "major"]))}
        )  # fmt: skip
    history = AthleteHistory(
        1,
        draw(st.lists(st.sampled_from([0, 30, 45, 60, 90, 120, 180]), min_size=7, max_size=7)),
        _frame(sessions, SESSION_COLUMNS, "sessions"),
        _frame(wellness, WELLNESS_COLUMNS, "wellness"),
        _frame(injuries, INJURY_COLUMNS, "injuries"),
        athlete=pd.DataFrame(
            {
                "athlete_id": [1],
                "birth_year": [1988],
                "sex": ["male"],
                "experience_years": [draw(st.sampled_from([0.5, 3.0]))],
                "max_hr": [np.nan],
                "resting_hr": [np.nan],
            }
        ),  # fmt: skip
        created=today - dt.timedelta(days=n_days),
    )
    return history, today


@st.composite
def locks(draw: st.DrawFn, today: dt.date) -> dict:
    offsets = draw(st.lists(st.integers(0, 8), max_size=2, unique=True))
    return {today + dt.timedelta(days=k): draw(st.sampled_from(ALL)) for k in offsets}


@FAST
@given(data=st.data(), drawn=histories())
def test_coach_plans_never_break_a_hard_rule(data: st.DataObject, drawn: tuple) -> None:
    # given a random history, this morning's check-in, a block, locks and yesterday's plan
    history, today = drawn
    fixed = data.draw(locks(today))
    planned = data.draw(st.one_of(st.none(), st.sampled_from(ALL)))
    morning = coach.prepare_morning(history, today=today)
    rules = coach.default_rules()
    # when the coach plans the week and recommends today
    plan = coach.plan_days(morning, NO_MODELS, rules=rules, locks=fixed, planned_yesterday=planned)
    rec = coach.recommend_today(morning, NO_MODELS, rules=rules, locks=fixed)
    choice = coach.choose(plan.inputs)
    # then no hard rule is broken (with the rules and loads the optimizer was given)
    ctx, steered = plan.inputs.context, plan.inputs.rules
    assert violations(plan.plan, context=ctx, rules=steered) == []
    assert violations(choice, context=ctx, rules=steered) == []
    # and today's recommendation is day 0 of the week plan, with its prescription
    assert rec.session == session_dict(plan.plan.days[0].candidate)
    assert rec.prescription is not None and rec.block == morning.block.to_dict()
    # and a bad night or high soreness leaves no hard session today (unless locked)
    codes = {t.code for t in plan.inputs.triggers}
    if codes & {"bad_night", "soreness"} and not plan.plan.days[0].locked:
        assert plan.plan.days[0].candidate.intensity != "hard"
    # and the plan JSON is complete
    body = plan.to_dict(changes=[])
    assert len(body["days"]) == 7 and body["block"]["phase"] in ("build", "deload")


def _latest_checkin(history: AthleteHistory, today: dt.date) -> pd.Series | None:
    w = history.wellness[history.wellness["date"] <= pd.Timestamp(today)].sort_values("date")
    return None if w.empty else w.iloc[-1]


UNWELL_SAFE = {"rest", "mobility", "easy_spin", "walk"}


@FAST
@given(drawn=histories())
def test_red_flags_hold_until_an_all_clear_and_the_floor_never_drops(drawn: tuple) -> None:
    # given a random history (check-ins with pain, illness, fatigue; injuries of any body part)
    history, today = drawn
    morning = coach.prepare_morning(history, today=today)
    rules = coach.default_rules()
    # when the coach plans the week and recommends today
    plan = coach.plan_days(morning, NO_MODELS, rules=rules, locks={})
    rec = coach.recommend_today(morning, NO_MODELS, rules=rules, locks={})
    days = [d.candidate for d in plan.plan.days]
    latest = _latest_checkin(history, today)
    # then pain or illness in the latest check-in (today's or not) restricts every planned day
    if latest is not None and (bool(latest["pain"]) or bool(latest["illness"])):
        assert all(c.type in UNWELL_SAFE for c in days)
        assert rec.session["type"] in UNWELL_SAFE and rec.rules_applied
    # and a worst-range check-in today allows only rest, mobility or easy work up to 40 min
    if latest is not None and latest["date"] == pd.Timestamp(today):
        worst = latest["sleep_h"] < 5.0 or latest["soreness"] >= 5 or latest["fatigue"] >= 5
        if worst:
            c = days[0]
            assert c.kind in ("rest", "mobility") or (
                c.intensity == "easy" and c.duration_min <= 40
            )
    # and the day after the last ill day, with an all-clear since, is easy and short
    w = history.wellness[history.wellness["date"] <= pd.Timestamp(today)]
    ill = w[w["illness"].astype(bool)]
    clear = latest is not None and not bool(latest["illness"])
    if clear and len(ill) and ill["date"].max() == pd.Timestamp(today - dt.timedelta(days=1)):
        assert days[0].kind in ("rest", "mobility") or days[0].intensity == "easy"
        assert days[0].duration_min <= 45
    # and an open lower-limb injury stops running; an upper-body one allows no strength
    for row in history.injuries.itertuples():
        open_today = row.start_date <= pd.Timestamp(today) and (
            pd.isna(row.end_date) or row.end_date >= pd.Timestamp(today)
        )
        if open_today and row.body_part in ("calf", "knee", "ankle"):
            assert days[0].kind != "run"
        if open_today:
            assert days[0].kind != "strength" and days[0].intensity in ("rest", "easy")
    # and the readiness floor is never under the configured one, and the answer names it
    assert plan.inputs.rules.readiness_floor >= rules.readiness_floor
    assert rec.readiness_floor is not None and rec.readiness_floor >= rules.readiness_floor


@FAST
@given(drawn=histories())
def test_a_deload_week_never_holds_more_than_one_hard_session(drawn: tuple) -> None:
    # given a random history and morning / when the coach plans the week
    history, today = drawn
    morning = coach.prepare_morning(history, today=today)
    plan = coach.plan_days(morning, NO_MODELS, rules=coach.default_rules(), locks={})
    # then each deload week counts at most one hard session, logged or planned
    from engine.coach.periodisation import block_on

    weeks: dict[dt.date, int] = {}
    for d in plan.plan.days:
        if block_on(anchor=morning.anchor, today=d.date).phase == "deload":
            monday = d.date - dt.timedelta(days=d.date.weekday())
            weeks[monday] = weeks.get(monday, 0) + (d.candidate.intensity == "hard")
            assert d.candidate.duration_min <= 100
    for monday, planned in weeks.items():
        logged = sum(
            s.intensity == "hard" and monday <= s.date < today for s in morning.context.recent
        )
        assert planned + logged <= 1 or planned == 0


@st.composite
def goal_events(draw: st.DrawFn, today: dt.date) -> list:
    from engine.coach.goals import GoalEvent

    return [
        GoalEvent(
            k + 1,
            today + dt.timedelta(days=draw(st.integers(-12, 30))),
            f"race {k}",
            draw(st.sampled_from([5.0, 10.0, 21.1, 42.2, 50.0, 100.0])),
            draw(st.sampled_from([0.0, 300.0, 2000.0, 5000.0])),
            draw(st.sampled_from(["A", "B", "C"])),
        )
        for k in range(draw(st.integers(1, 3)))
    ]


@FAST
@given(data=st.data(), drawn=histories())
def test_goal_events_never_break_a_hard_rule(data: st.DataObject, drawn: tuple) -> None:
    # given a random history, random goal events (before, on and after today) and locks
    history, today = drawn
    events = data.draw(goal_events(today))
    fixed = data.draw(locks(today))
    morning = coach.prepare_morning(history, today=today)
    # when the coach plans the week
    plan = coach.plan_days(morning, NO_MODELS, rules=coach.default_rules(), locks=fixed,
                           events=events)  # fmt: skip
    ctx, steered = plan.inputs.context, plan.inputs.rules
    # then no hard rule is broken (taper, recovery and deload limits included)
    assert violations(plan.plan, context=ctx, rules=steered) == []
    # and no unlocked day in an A event's last 3 days before it is hard; a race day that no
    # coach locked otherwise, and no red flag ruled out, holds the race
    for d in plan.plan.days:
        for e in events:
            gap = (e.date - d.date).days
            if e.priority == "A" and 1 <= gap <= 3 and not d.locked:
                assert d.candidate.intensity != "hard"
            if gap == 0 and d.date not in fixed and not ctx.unwell and d.locked:
                assert d.candidate.type == "race"
