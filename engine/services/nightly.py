"""The nightly batch: bring every athlete's feature rows up to a day, score their morning.

``run_nightly`` refreshes the feature store up to ``day`` and writes each athlete's scored
candidates (``morning_score``: readiness tomorrow and 7-day injury risk of every catalogue
candidate under the champions) for the API to serve. Two engines, one set of pure functions
(``pipelines.features``, ``engine.coach.batch.score_mornings``):

- ``local``: pandas in this process, athletes in chunks; the store is extended
  incrementally (``extend_daily_features`` continues each athlete's stored state);
- ``spark``: Apache Spark (``engine.services.nightly_spark``), one athlete per group of
  ``groupBy("athlete_id").applyInPandas``, features rebuilt from the logs, the champions
  loaded once per executor, results written as Parquet then upserted here.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy.orm import Session

from engine.coach.batch import score_mornings
from engine.coach.scoring import ModelSet
from engine.services import feature_store
from engine.store import feature_days, logbook
from pipelines.feature_rows import feature_version
from pipelines.features import LOOKBACK_DAYS, extend_daily_features

ENGINES = ("local", "spark")
LOCAL_CHUNK = 1_000  # athletes per local chunk (bounded memory)


@dataclass
class NightlyReport:
    """What a nightly run did, and how long each step took (seconds)."""

    day: dt.date
    engine: str
    athletes: int = 0
    rows_written: int = 0
    scores_written: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return {
            "day": self.day.isoformat(),
            "engine": self.engine,
            "athletes": self.athletes,
            "rows_written": self.rows_written,
            "scores_written": self.scores_written,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


def score_records(
    scores: pd.DataFrame, *, models: ModelSet, version: str
) -> list[dict[str, object]]:
    """``morning_score`` rows (one per athlete) from ``score_mornings`` output."""
    records = []
    versions = {k: v for k, v in models.versions.items()}
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
                "model_versions": versions,
                "result": {"candidates": candidates, "degraded": not models.available},
            }
        )
    return records


def _extend_chunk(session: Session, ids: list[int], *, day: dt.date, version: str) -> int:
    """Extend the athletes' current stored rows up to ``day`` (labels of the last days
    before the new ones are rebuilt too, as ``refresh_features`` does)."""
    spans = feature_days.read_spans(session, version=version, athlete_ids=ids)
    by_cut: dict[dt.date, list[int]] = {}
    for a in ids:
        by_cut.setdefault(spans[a].last - dt.timedelta(days=feature_store.LABEL_DAYS), []).append(a)
    written = 0
    for cut, group in sorted(by_cut.items()):
        seed_from = cut - dt.timedelta(days=LOOKBACK_DAYS + 1)
        previous = feature_days.read_rows(
            session, version=version, athlete_ids=group, start=seed_from, end=cut
        )
        sessions, wellness, injuries = logbook.read_log_frames(session, athlete_ids=group)
        sessions = sessions[sessions["date"] >= pd.Timestamp(seed_from)]
        wellness = wellness[wellness["date"] >= pd.Timestamp(seed_from)]
        sets = logbook.read_set_frame(session, athlete_ids=group)
        sets = sets[sets["session_external_id"].isin(sessions["external_id"])]
        new = extend_daily_features(
            previous,
            sessions,
            wellness,
            injuries,
            until=day,
            athletes=feature_days.read_profiles(session, athlete_ids=group),
            sets=sets,
        )
        written += feature_days.replace_rows(
            session,
            frame=new,
            version=version,
            athlete_ids=group,
            since=cut + dt.timedelta(days=1),
        )
    return written


def refresh_store_to(
    session: Session, *, day: dt.date, chunk: int = LOCAL_CHUNK
) -> tuple[list[int], int]:
    """Local engine, step 1: every athlete with logs gets current rows up to ``day``.
    Returns the athletes and the rows written."""
    version = feature_version()
    rebuilt = feature_store.ensure_current(session)
    written = len(feature_store.read_features(session, athlete_ids=rebuilt)) if rebuilt else 0
    spans = feature_days.read_spans(session, version=version)
    ids = sorted(feature_days.read_log_spans(session))
    behind = [a for a in ids if spans[a].last < day]
    for lo in range(0, len(behind), chunk):
        written += _extend_chunk(session, behind[lo : lo + chunk], day=day, version=version)
    return ids, written


def score_local(
    session: Session, *, ids: list[int], day: dt.date, models: ModelSet, chunk: int = LOCAL_CHUNK
) -> pd.DataFrame:
    """Local engine, step 2: score every athlete's morning of ``day`` from the store."""
    parts = []
    for lo in range(0, len(ids), chunk):
        rows = feature_store.read_features(session, athlete_ids=ids[lo : lo + chunk], start=day)
        parts.append(score_mornings(rows, day=day, models=models))
    return (
        pd.concat(parts, ignore_index=True)
        if parts
        else score_mornings(
            feature_store.read_features(session, athlete_ids=[]), day=day, models=models
        )
    )


def run_nightly(
    session: Session,
    *,
    day: dt.date,
    models: ModelSet,
    engine: str = "local",
    master: str | None = None,
) -> NightlyReport:
    """Refresh the store up to ``day`` and write every athlete's scored morning."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    report = NightlyReport(day=day, engine=engine)
    version = feature_version()
    began = time.perf_counter()
    if engine == "local":
        ids, report.rows_written = refresh_store_to(session, day=day)
        report.seconds["features"] = time.perf_counter() - began
        scores = score_local(session, ids=ids, day=day, models=models)
        report.seconds["scoring"] = time.perf_counter() - began - report.seconds["features"]
    else:
        from engine.services import nightly_spark

        ids = sorted(feature_days.read_log_spans(session))
        rows, scores, timings = nightly_spark.run(
            session, ids=ids, day=day, models=models, master=master
        )
        report.seconds |= timings
        mark = time.perf_counter()
        report.rows_written = feature_days.replace_rows(
            session, frame=rows, version=version, athlete_ids=ids
        )
        report.seconds["store_write"] = time.perf_counter() - mark
    mark = time.perf_counter()
    records = score_records(scores, models=models, version=version)
    report.scores_written = feature_days.replace_scores(session, day=day, scores=records)
    report.seconds["scores_write"] = time.perf_counter() - mark
    report.athletes = len(ids)
    report.seconds["total"] = time.perf_counter() - began
    return report


def read_scores(session: Session, *, day: dt.date) -> dict[int, dict]:
    """The nightly scores of ``day`` by athlete (the result JSON)."""
    return {int(s.athlete_id): dict(s.result) for s in feature_days.read_scores(session, day=day)}
