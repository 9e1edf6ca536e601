"""``cairn plan``: the week plan and its locks; the closed-loop part of ``cairn evaluate``."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

import typer
from rich.table import Table

from engine.cli.common import (
    console,
    fail,
    load_settings,
    open_database,
    parse_date,
    parse_day,
)
from engine.cli.render import plan_day_cells
from engine.errors import AthleteNotFoundError
from engine.services import plans
from engine.store import database, jobs, plan_locks

plan_app = typer.Typer(
    help="The week plan (sessions, prescriptions, block) and its locks.",
    invoke_without_command=True,
)
AthleteOption = Annotated[int, typer.Option(help="Athlete id.")]
DateOption = Annotated[str, typer.Option("--date", help="The locked day (YYYY-MM-DD).")]
CLI_ROLE = "coach"  # the operator at the command line acts as the athlete's coach


def register(app: typer.Typer) -> None:
    """Attach ``cairn plan`` (and its ``lock``/``unlock``/``locks`` subcommands) to ``app``."""
    app.add_typer(plan_app, name="plan")


def _session_text(session: dict[str, Any]) -> str:
    if session["type"] == "rest":
        return "rest"
    return (
        f"{session['type'].replace('_', ' ')} {session['duration_min']:.0f} min "
        f"(RPE {session['target_rpe']:g})"
    )


def print_plan(plan: dict[str, Any]) -> None:
    """The plan as a table, then the block, reassessment, changes and notes."""
    b = plan["block"]
    table = Table(
        title=f"Plan for athlete {plan['athlete_id']} from {plan['date']}: {b['phase']} week "
        f"{b['week_in_block']}/4 of the {b['emphasis']} block"
    )
    for column in ("day", "session", "prescription", "why"):
        table.add_column(column, overflow="fold")
    for day in plan["days"]:
        when = dt.date.fromisoformat(day["date"])
        session, prescription = plan_day_cells(day)
        table.add_row(when.strftime("%a %d"), session, prescription, "; ".join(day["reasons"][:2]))
    console.print(table)
    r = plan["reassessment"]
    if r:
        console.print(f"Reassessed {r['date']} ({r['verdict']}): " + "; ".join(r["changes"]))
        console.print("  why: " + "; ".join(r["reasons"]))
    for change in plan["changes"]:
        console.print(
            f"Changed {change['date']}: {change['before']['type']} -> {change['after']['type']} "
            f"({'; '.join(change['why'])})"
        )
    for note in plan["notes"]:
        console.print(f"- {note}")


@plan_app.callback()
def show_plan(
    ctx: typer.Context,
    athlete: Annotated[int | None, typer.Option(help="Athlete id.")] = None,
    days: Annotated[int, typer.Option(min=1, max=7, help="Days to plan.")] = 7,
    date: Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD); default today.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan JSON.")] = False,
) -> None:
    """Plan the next days for one athlete (``cairn plan --athlete 1``)."""
    if ctx.invoked_subcommand is not None:
        return
    if athlete is None:
        raise fail("give --athlete ID (or a subcommand: lock, unlock, locks)", code=2)
    from engine.services.champion_cache import load_served_champions

    settings = load_settings()
    factory = open_database(settings)
    models = load_served_champions(settings)
    try:
        with database.open_session(factory) as session:
            plan = plans.plan_for(
                session,
                athlete_id=athlete,
                today=parse_day(date),
                days=days,
                models=models,
                settings=settings,
            )
    except AthleteNotFoundError as err:
        raise fail(str(err)) from err
    if as_json:
        typer.echo(json.dumps(plan, indent=2))
    else:
        print_plan(plan)


@plan_app.command("lock")
def lock_day(
    athlete: AthleteOption,
    date: DateOption,
    session_type: Annotated[str, typer.Option("--type", help="Catalogue session type.")],
    duration: Annotated[float, typer.Option(min=0, help="Minutes (0 for rest).")] = 0.0,
    note: Annotated[str, typer.Option(help="Why (race, travel, coach's call).")] = "",
) -> None:
    """Fix one day's session (a coach override or a race); replaces that day's lock."""
    try:
        plans.check_lock(type_id=session_type, duration_min=duration)
    except ValueError as err:
        raise fail(str(err), code=2) from err
    settings = load_settings()
    try:
        with database.open_session(open_database(settings)) as session:
            lock, created = plan_locks.save_lock(
                session,
                athlete_id=athlete,
                day=parse_date(date),
                type_id=session_type,
                duration_min=duration,
                note=note,
                role=CLI_ROLE,
                user_id=None,
                now=jobs.utcnow(),
            )
    except AthleteNotFoundError as err:
        raise fail(str(err)) from err
    verb = "Locked" if created else "Replaced the lock on"
    console.print(f"{verb} {lock.date} for athlete {athlete}: {_session_text(_lock_session(lock))}")


def _lock_session(lock: plan_locks.LockRecord) -> dict[str, Any]:
    return plans.lock_dict(lock)["session"]


@plan_app.command("unlock")
def unlock_day(athlete: AthleteOption, date: DateOption) -> None:
    """Remove one day's lock."""
    settings = load_settings()
    with database.open_session(open_database(settings)) as session:
        removed = plan_locks.delete_lock(session, athlete_id=athlete, day=parse_date(date))
    if not removed:
        raise fail(f"no lock on {date} for athlete {athlete}")
    console.print(f"Unlocked {date} for athlete {athlete}")


@plan_app.command("locks")
def list_locks(
    athlete: AthleteOption,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every lock of one athlete."""
    settings = load_settings()
    with database.open_session(open_database(settings)) as session:
        locks = [
            plans.lock_dict(lock) for lock in plan_locks.read_locks(session, athlete_id=athlete)
        ]
    if as_json:
        typer.echo(json.dumps({"data": locks, "count": len(locks)}, indent=2))
        return
    table = Table(title=f"Locks of athlete {athlete}")
    for column in ("date", "session", "set by", "note"):
        table.add_column(column)
    for lock in locks:
        table.add_row(lock["date"], _session_text(lock["session"]), lock["set_by"], lock["note"])
    console.print(table)


def closed_loop_command(
    *, athletes: int, weeks: int, seed: int, as_json: bool, races: bool = False
) -> None:
    """``cairn evaluate --closed-loop``: Cairn vs the template vs the ACWR rule, logged to
    MLflow (experiment ``cairn-closed-loop``); ``races``: with an A race per athlete."""
    import time

    from engine.evaluation.closed_loop import (
        RACE_COLUMN,
        TABLE_COLUMNS,
        format_rows,
        run_closed_loop,
        train_simulated_models,
        training_cohort_size,
    )
    from engine.services.model_registry import tracking_store
    from models import tracking

    settings = load_settings()
    started = time.perf_counter()
    n_train, train_days = training_cohort_size(athletes)
    with console.status(f"Training both models on {n_train} other simulated athletes..."):
        models = train_simulated_models(
            n_athletes=n_train, n_days=train_days, seed=seed + 1, start=dt.date(2023, 1, 2)
        )
    with console.status(f"Coaching {athletes} simulated athletes for {weeks} weeks, 3 ways..."):
        report = run_closed_loop(
            n_athletes=athletes,
            weeks=weeks,
            seed=seed,
            models=models,
            settings=settings,
            races=races,
        )
    result = report.to_dict()
    result["setup"] |= {
        "models": f"trained on {n_train} simulated athletes x {train_days} days (seed {seed + 1})",
        "seconds_total": round(time.perf_counter() - started, 1),
    }
    tracking.log_table_run(
        tracking_store(settings),
        experiment="cairn-closed-loop",
        run_name=f"closed-loop-{athletes}x{weeks}-seed{seed}",
        params={
            "athletes": athletes,
            "weeks": weeks,
            "seed": seed,
            "train_athletes": n_train,
            "races": races,
        },
        metrics={
            f"{name}_{key}": float(value)
            for name, outcome in result["policies"].items()
            for key, value in outcome.items()
        },
        table=result,
    )
    if as_json:
        typer.echo(json.dumps(result))
        return
    table = Table(title=f"Closed loop: {athletes} simulated athletes x {weeks} weeks (seed {seed})")
    for column in (*TABLE_COLUMNS, *([RACE_COLUMN] if races else [])):
        table.add_column(column)
    for row in format_rows(report):
        table.add_row(*row)
    console.print(table)
    d = result["cairn_vs_template"]
    console.print(
        f"Cairn - template fitness gain: {d['fitness_gain_difference']:+.1f} AU/day (95% CI "
        f"{d['fitness_gain_difference_ci95_low']:+.1f} to "
        f"{d['fitness_gain_difference_ci95_high']:+.1f}); run {result['setup']['seconds_total']} s"
    )
    if races:
        r = result["cairn_vs_template_race_day_form"]
        console.print(
            f"Cairn - template race-day form: {r['difference']:+.1f} AU/day (95% CI "
            f"{r['difference_ci95_low']:+.1f} to {r['difference_ci95_high']:+.1f}, "
            f"{r['athletes']:.0f} athletes)"
        )
    goal = result["goal"]
    console.print(
        f"Goal (fitness gain >= {goal['fitness_gain_bar']:+.1f} AU/day, the template's + 15% of "
        f"its size, at no more injuries per 1,000 h): {'met' if goal['met'] else 'not met'} "
        f"(fitness {'met' if goal['fitness_met'] else 'missed'}, injuries "
        f"{'met' if goal['injuries_met'] else 'missed'})"
    )
