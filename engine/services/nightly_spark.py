"""The nightly batch on Apache Spark: per-athlete features and scores in a grouped map.

The driver reads the logs (one long frame: every log record tagged with its kind, columns
prefixed by kind), Spark groups it by bucket (runs of consecutive athletes, ``buckets_of``) and runs
``athlete_outputs`` on each group with ``groupBy(...).applyInPandas``: the same pure functions
as the local engine (``build_daily_features`` over all the logs, ``day_rows`` and
``score_mornings``), each athlete's rows built from that athlete's logs only. The champions
are pickled once to a file next to the job and loaded once per executor process (a
module-level cache). Results (the encoded feature rows and the scores) are written as Parquet
and read back here for the upsert into the store, chunk by chunk in short transactions; an
athlete's dirty marker is cleared only when its ``seq`` is the one read before the logs were.

Local mode (``local[2]``) in tests and CI; any cluster through ``master`` (a shared
filesystem for the Parquet output and the models file is assumed on a cluster).
"""

from __future__ import annotations

import datetime as dt
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session, sessionmaker

from engine.coach.batch import SCORE_COLUMNS, day_rows, score_mornings
from engine.coach.scoring import ModelSet
from engine.services import feature_store
from engine.store import database, feature_days, logbook
from pipelines.feature_rows import decode_rows, encode_rows
from pipelines.features import build_daily_features

DEFAULT_MASTER = "local[2]"
JAVA_HOME = "/usr/lib/jvm/java-17-openjdk-amd64"
KINDS = ("s", "w", "i", "x", "p")  # sessions, wellness, injuries, sets, profile
OUTPUT_ROW_GROUP_BYTES = 8 * 1024 * 1024  # Parquet row groups of the job's output
ATHLETES_PER_GROUP = 200  # athletes per applyInPandas group (see buckets_of)
_MODELS: dict[str, ModelSet] = {}  # per executor process: path -> loaded champions


def buckets_of(ids: list[int], athlete_ids: np.ndarray) -> np.ndarray:
    """The applyInPandas group of each of ``athlete_ids`` (all in ``ids``): runs of about
    ``ATHLETES_PER_GROUP`` consecutive athletes of the sorted ``ids``, at least 4 groups.

    Each athlete's rows are built from that athlete's logs only, so a group gives the same
    rows as one group per athlete, without pandas' fixed cost per athlete; consecutive ids
    keep the job's output in id order within each file, so the upsert's reads of
    ``REBUILD_CHUNK`` athletes skip the row groups of the others (Parquet statistics)."""
    ordered = np.sort(np.asarray(ids, dtype=np.int64))
    groups = max(4, -(-len(ordered) // ATHLETES_PER_GROUP))
    per_group = max(1, -(-len(ordered) // groups))
    return np.searchsorted(ordered, athlete_ids) // per_group


def _long_frame(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One frame of every record: ``athlete_id``, ``kind`` and ``<kind>_<column>`` values."""
    parts = []
    for kind, frame in frames.items():
        flags = [c for c in frame.columns if frame[c].dtype == bool]
        renamed = frame.astype({c: float for c in flags}).rename(  # 0/1 flags (pain, illness)
            columns={c: f"{kind}_{c}" for c in frame.columns if c != "athlete_id"}
        )
        parts.append(renamed.assign(kind=kind))
    long = pd.concat(parts, ignore_index=True)
    for column in long.columns:
        if long[column].dtype == object:
            long[column] = long[column].astype("string")
    long["athlete_id"] = long["athlete_id"].astype("int64")
    return long


def _part(group: pd.DataFrame, kind: str) -> pd.DataFrame:
    rows = group[group["kind"] == kind]
    prefix = f"{kind}_"
    columns = [c for c in group.columns if c.startswith(prefix)]
    out = rows[["athlete_id", *columns]].rename(columns={c: c[len(prefix) :] for c in columns})
    for column in out.columns:
        if str(out[column].dtype) == "string":
            out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out.reset_index(drop=True)


def _models(path: str) -> ModelSet:
    if path not in _MODELS:
        with open(path, "rb") as f:
            _MODELS[path] = pickle.load(f)  # noqa: S301 - our own file, written by the driver
    return _MODELS[path]


def athlete_outputs(group: pd.DataFrame, *, day: dt.date, models: ModelSet) -> pd.DataFrame:
    """One athlete's (or several athletes') encoded feature rows and scores (pure)."""
    sessions, wellness, injuries = _part(group, "s"), _part(group, "w"), _part(group, "i")
    sets, profile = _part(group, "x"), _part(group, "p")
    sets_or_none = sets if len(sets) else None
    rows = build_daily_features(sessions, wellness, injuries, athletes=profile, sets=sets_or_none)
    morning = day_rows(
        rows,
        day=day,
        sessions=sessions,
        wellness=wellness,
        injuries=injuries,
        athletes=profile,
        sets=sets_or_none,
    )
    scores = score_mornings(morning, day=day, models=models)
    features = pd.DataFrame(
        {
            "athlete_id": rows["athlete_id"].to_numpy(np.int64),
            "date": pd.to_datetime(rows["date"]).dt.date,
            "values": encode_rows(rows),
            "type": None,
            "duration_min": np.nan,
            "readiness": np.nan,
            "injury_risk": np.nan,
        }
    )
    scored = scores.assign(date=day, values=None)
    return pd.concat([features, scored[features.columns]], ignore_index=True)


def _schema():  # noqa: ANN202
    from pyspark.sql.types import (
        BinaryType,
        DateType,
        DoubleType,
        LongType,
        StringType,
        StructField,
        StructType,
    )

    return StructType(
        [
            StructField("athlete_id", LongType()),
            StructField("date", DateType()),
            StructField("values", BinaryType()),
            StructField("type", StringType()),
            StructField("duration_min", DoubleType()),
            StructField("readiness", DoubleType()),
            StructField("injury_risk", DoubleType()),
        ]
    )


def spark_session(master: str | None):  # noqa: ANN201
    """A Spark session on ``master`` (default ``local[2]``), Java 17 from the machine."""
    if "JAVA_HOME" not in os.environ and Path(JAVA_HOME).exists():
        os.environ["JAVA_HOME"] = JAVA_HOME
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master(master or DEFAULT_MASTER)
        .appName("cairn-nightly")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.python.worker.reuse", "true")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )


def _read_logs(session: Session, ids: list[int]) -> pd.DataFrame:
    sessions, wellness, injuries = logbook.read_log_frames(session, athlete_ids=ids)
    frames = {
        "s": sessions,
        "w": wellness,
        "i": injuries,
        "x": logbook.read_set_frame(session, athlete_ids=ids),
        "p": logbook.read_athletes_frame(session, athlete_ids=ids),
    }
    return _long_frame(frames)


def _write_logs(session: Session, ids: list[int], path: Path) -> None:
    """Every athlete's logs as one Parquet file, read and written ``REBUILD_CHUNK`` athletes
    at a time (the driver never holds the whole cohort)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    try:
        for lo in range(0, max(len(ids), 1), feature_store.REBUILD_CHUNK):
            long = _read_logs(session, ids[lo : lo + feature_store.REBUILD_CHUNK])
            long["bucket"] = buckets_of(ids, long["athlete_id"].to_numpy(np.int64))
            schema = None if writer is None else writer.schema
            table = pa.Table.from_pandas(long, schema=schema, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(
                    path, table.schema, coerce_timestamps="us", allow_truncated_timestamps=True
                )
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()


def _run_job(
    source: Path,
    target: Path,
    *,
    day: dt.date,
    models_path: str,
    master: str | None,
) -> dict[str, float]:
    """The grouped map over every athlete's logs in ``source``: encoded rows and scores
    written as Parquet to ``target``."""
    timings: dict[str, float] = {}
    mark = time.perf_counter()
    spark = spark_session(master)
    timings["spark_start"] = time.perf_counter() - mark
    mark = time.perf_counter()

    def per_bucket(group: pd.DataFrame) -> pd.DataFrame:
        return athlete_outputs(group, day=day, models=_models(models_path))

    frame = spark.read.parquet(str(source))
    out = frame.groupBy("bucket").applyInPandas(per_bucket, schema=_schema())
    out.write.mode("overwrite").option("parquet.block.size", OUTPUT_ROW_GROUP_BYTES).parquet(
        str(target)
    )
    timings["spark_job"] = time.perf_counter() - mark
    return timings


def _write_rows(
    factory: sessionmaker[Session], target: Path, *, ids: list[int], seqs: dict[int, int]
) -> tuple[pd.DataFrame, int]:
    """Replace every athlete's stored rows with the job's, ``REBUILD_CHUNK`` athletes at a
    time (short writes, bounded memory). Returns the scores and the athletes written."""
    import pyarrow.dataset as ds

    dataset = ds.dataset(str(target), format="parquet")
    everyone = sorted(set(ids) | set(seqs))
    scores = []
    for lo in range(0, len(everyone), feature_store.REBUILD_CHUNK):
        chunk = everyone[lo : lo + feature_store.REBUILD_CHUNK]
        ids_in = ds.field("athlete_id").isin(chunk)
        span = (ds.field("athlete_id") >= chunk[0]) & (ds.field("athlete_id") <= chunk[-1])
        part = dataset.to_table(filter=span & ids_in).to_pandas()
        part = part.sort_values(["athlete_id", "date"], kind="stable")
        feats = part[part["values"].notna()]
        rows = decode_rows(
            feats["athlete_id"].to_numpy(np.int64),
            pd.to_datetime(feats["date"]).to_numpy().astype("datetime64[D]"),
            list(feats["values"]),
        )
        refresh = feature_store.Refresh(tuple(chunk), rows, None)
        with database.open_session(factory) as session:
            feature_store.write_refresh(session, refresh=refresh, seqs=seqs)
        scores.append(part[part["values"].isna()][list(SCORE_COLUMNS)])
    if not scores:
        return pd.DataFrame({c: [] for c in SCORE_COLUMNS}), 0
    return pd.concat(scores, ignore_index=True), len(everyone)


def run(
    factory: sessionmaker[Session],
    *,
    ids: list[int],
    day: dt.date,
    models: ModelSet,
    master: str | None = None,
) -> tuple[pd.DataFrame, int, dict[str, float]]:
    """Rebuild and store every athlete's rows and score their morning of ``day`` on Spark:
    (scores, athletes written, timings in seconds)."""
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cairn-nightly-") as name:
        folder = Path(name)
        with database.open_session(factory) as session:
            # markers before logs: a write after this read keeps its marker
            seqs = {m.athlete_id: m.seq for m in feature_days.read_markers(session)}
            _write_logs(session, ids, folder / "logs.parquet")
        timings = {"read_logs": time.perf_counter() - began}
        models_path = str(folder / "models.pkl")
        with open(models_path, "wb") as f:
            pickle.dump(models, f)
        timings |= _run_job(
            folder / "logs.parquet",
            folder / "out.parquet",
            day=day,
            models_path=models_path,
            master=master,
        )
        mark = time.perf_counter()
        scores, written = _write_rows(factory, folder / "out.parquet", ids=ids, seqs=seqs)
        timings["store_write"] = time.perf_counter() - mark
    return scores, written, timings
