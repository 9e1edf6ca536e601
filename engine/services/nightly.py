"""The nightly batch: bring the feature store up to date, score every athlete's morning.

``run_nightly`` refreshes the store (every dirty, missing or stale athlete) and writes each
athlete's scored candidates for ``day`` (``morning_score``: readiness tomorrow and 7-day injury
risk of every catalogue candidate under the champions) for the API to serve. Two engines,
one set of pure functions (``pipelines.features``, ``engine.coach.batch``):

- ``local``: pandas in this process, athletes in chunks: the store is refreshed
  incrementally (``feature_store.refresh_all``), then each chunk's rows of ``day`` are read
  (continued in memory past an athlete's last log) and scored;
- ``spark``: Apache Spark (``engine.services.nightly_spark``): every athlete's rows rebuilt
  from the logs and scored in a grouped map, the champions loaded once per executor, results
  written as Parquet, then upserted here chunk by chunk (markers cleared only when unchanged).

Stored rows always end at each athlete's last log (what a full rebuild gives); the rows of
days after it exist only in memory, for scoring.

With ``answers`` (``cairn nightly --answers``), the run then prepares every athlete's whole
recommendation of ``day`` (``engine.services.prepared``), locally whatever the engine, so a
morning when every athlete asks once is served from the database; prepared answers of days
more than ``PREPARED_KEEP_DAYS`` before ``day`` are deleted.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session, sessionmaker

from engine.coach.batch import day_rows, score_mornings
from engine.coach.scoring import ModelSet
from engine.services import feature_store, prepared
from engine.settings import Settings
from engine.store import database, feature_days, logbook, prepared_answers
from pipelines.feature_rows import feature_version
from pipelines.features import LOOKBACK_DAYS

ENGINES = ("local", "spark")
log = logging.getLogger(__name__)

LOCAL_CHUNK = 1_000  # athletes per local chunk (bounded memory)
ANSWER_CHUNK = 200  # prepared answers written per transaction
PREPARED_KEEP_DAYS = 90  # prepared answers kept this many days before the run's day


@dataclass
class NightlyReport:
    """What a nightly run did, and how long each step took (seconds)."""

    day: dt.date
    engine: str
    athletes: int = 0
    refreshed: int = 0
    scores_written: int = 0
    answers_prepared: int = 0
    answers_failed: list[int] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "day": self.day.isoformat(),
            "engine": self.engine,
            "athletes": self.athletes,
            "refreshed": self.refreshed,
            "scores_written": self.scores_written,
            "answers_prepared": self.answers_prepared,
            "answers_failed": list(self.answers_failed),
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


def score_records(scores: pd.DataFrame, *, models: ModelSet, version: str) -> list[dict[str, Any]]:
    """``morning_score`` rows (one per athlete) from ``score_mornings`` output."""
    records = []
    for athlete, group in scores.groupby("athlete_id", sort=True):
        candidates = [
            {
                "type": t,
                "duration_min": float(d),
                "readiness": round(float(r), 6),
                "injury_risk": round(float(k), 8),
            }
            for t, d, r, k in zip(
                group["type"],
                group["duration_min"],
                group["readiness"],
                group["injury_risk"],
                strict=True,
            )
        ]
        records.append(
            {
                "athlete_id": int(athlete),
                "feature_version": version,
                "model_versions": dict(models.versions),
                "result": {"candidates": candidates, "degraded": not models.available},
            }
        )
    return records


def read_day_rows(session: Session, *, athlete_ids: list[int], day: dt.date) -> pd.DataFrame:
    """The athletes' daily rows of ``day`` from the store (continued in memory past their last
    log: ``engine.coach.batch.day_rows``)."""
    spans = feature_days.read_spans(session, version=feature_version(), athlete_ids=athlete_ids)
    if not spans:
        return feature_store.read_features(session, athlete_ids=[])
    start = min(min(s.last, day) for s in spans.values()) - dt.timedelta(days=LOOKBACK_DAYS + 1)
    rows = feature_store.read_features(session, athlete_ids=athlete_ids, start=start, end=day)
    logs = feature_days.read_log_window(session, athlete_ids=athlete_ids, start=start, end=day)
    return day_rows(
        rows,
        day=day,
        sessions=logs.sessions,
        wellness=logs.wellness,
        injuries=logs.injuries,
        athletes=logbook.read_athletes_frame(session, athlete_ids=athlete_ids),
        sets=logs.sets,
    )


def _score_local(
    factory: sessionmaker[Session], *, ids: list[int], day: dt.date, models: ModelSet, chunk: int
) -> pd.DataFrame:
    parts = []
    for lo in range(0, len(ids), chunk):
        with database.open_session(factory) as session:
            rows = read_day_rows(session, athlete_ids=ids[lo : lo + chunk], day=day)
        parts.append(score_mornings(rows, day=day, models=models))
    if not parts:
        return score_mornings(pd.DataFrame({"date": []}), day=day, models=models)
    return pd.concat(parts, ignore_index=True)


def _write_scores(
    factory: sessionmaker[Session], scores: pd.DataFrame, *, day: dt.date, models: ModelSet
) -> int:
    records = score_records(scores, models=models, version=feature_version())
    written = 0
    for lo in range(0, len(records), LOCAL_CHUNK):
        with database.open_session(factory) as session:
            part = records[lo : lo + LOCAL_CHUNK]
            written += feature_days.replace_scores(session, day=day, scores=part)
    return written


def run_nightly(
    factory: sessionmaker[Session],
    *,
    day: dt.date,
    models: ModelSet,
    engine: str = "local",
    master: str | None = None,
    chunk: int = LOCAL_CHUNK,
    answers: Settings | None = None,
) -> NightlyReport:
    """Refresh the store and write every athlete's scored morning of ``day``; with
    ``answers`` (the served settings: rules), also prepare every athlete's answer."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    report = NightlyReport(day=day, engine=engine)
    began = time.perf_counter()
    with database.open_session(factory) as session:
        ids = sorted(feature_days.read_log_spans(session))
    if engine == "local":
        report.refreshed = feature_store.refresh_all(factory, chunk=chunk)
        report.seconds["features"] = time.perf_counter() - began
        mark = time.perf_counter()
        scores = _score_local(factory, ids=ids, day=day, models=models, chunk=chunk)
        report.seconds["scoring"] = time.perf_counter() - mark
    else:
        from engine.services import nightly_spark

        scores, report.refreshed, timings = nightly_spark.run(
            factory, ids=ids, day=day, models=models, master=master
        )
        report.seconds |= timings
    mark = time.perf_counter()
    report.scores_written = _write_scores(factory, scores, day=day, models=models)
    report.seconds["scores_write"] = time.perf_counter() - mark
    if answers is not None:
        mark = time.perf_counter()
        report.answers_prepared, report.answers_failed = prepare_answers(
            factory, ids=ids, day=day, models=models, settings=answers
        )
        report.seconds["answers"] = time.perf_counter() - mark
    report.athletes = len(ids)
    report.seconds["total"] = time.perf_counter() - began
    return report


def prepare_answers(
    factory: sessionmaker[Session],
    *,
    ids: list[int],
    day: dt.date,
    models: ModelSet,
    settings: Settings,
) -> tuple[int, list[int]]:
    """Every athlete's recommendation of ``day`` prepared and saved (those already prepared
    from the same inputs are kept), then answers older than ``PREPARED_KEEP_DAYS`` deleted.
    One athlete whose answer fails is logged and skipped. Returns (answers now prepared:
    written or already there, athletes that failed)."""
    from engine.services.recommendation import answer_for

    written, failed = 0, []
    if not prepared.keeps(models):
        log.warning("answers not prepared: the models are not registered champions")
        return 0, []
    for lo in range(0, len(ids), ANSWER_CHUNK):
        ready = []
        with database.open_session(factory) as session:
            for athlete in ids[lo : lo + ANSWER_CHUNK]:
                try:
                    rec, key = answer_for(
                        session, athlete_id=athlete, today=day, models=models, settings=settings
                    )
                except Exception:  # noqa: BLE001 - one athlete's data never stops the others
                    log.exception("answer of athlete %s on %s not prepared", athlete, day)
                    failed.append(athlete)
                    continue
                if key is not None:
                    ready.append((key, rec))
                else:  # already prepared from the same inputs
                    written += 1
            written += prepared.save_prepared(session, ready)
    with database.open_session(factory) as session:
        prepared_answers.delete_before(session, day=day - dt.timedelta(days=PREPARED_KEEP_DAYS))
    return written, failed


def read_scores(session: Session, *, day: dt.date) -> dict[int, dict[str, Any]]:
    """The nightly scores of ``day`` by athlete (the result JSON)."""
    return {int(s.athlete_id): dict(s.result) for s in feature_days.read_scores(session, day=day)}


def read_morning_scores(
    session: Session, *, athlete_id: int, day: dt.date
) -> dict[str, Any] | None:
    """One athlete's scored morning as the nightly batch wrote it (None: not scored), with
    its feature and model versions and when it was computed."""
    logbook.read_athlete(session, athlete_id=athlete_id)  # AthleteNotFoundError
    score = feature_days.read_score(session, athlete_id=athlete_id, day=day)
    if score is None:
        return None
    return {
        "athlete_id": athlete_id,
        "date": day,
        "model_versions": dict(score.model_versions),
        "feature_version": score.feature_version,
        "computed_at": score.computed_at,
        **score.result,
    }
