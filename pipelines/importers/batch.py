"""What every importer returns: frames of valid records plus the records it rejected.

Importers are pure parsers: they read one file (or one PMData folder), validate each record
at the boundary and return an :class:`ImportBatch`. Nothing is written anywhere, so the caller
can store a whole batch in one transaction or nothing. A file that cannot be read at all
raises :class:`ImportFileError`; one bad record becomes a :class:`Rejection` and is left out
of the frames.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel

from pipelines.schemas import (
    ATHLETE_COLUMNS,
    INJURY_COLUMNS,
    SESSION_COLUMNS,
    SET_COLUMNS,
    WELLNESS_COLUMNS,
    conform,
    empty_frame,
)
from pipelines.validation import Issue, validate_record

ATHLETE_REF = "athlete_ref"
FRAME_COLUMNS: dict[str, dict[str, str]] = {
    "athletes": {k: v for k, v in ATHLETE_COLUMNS.items() if k != "athlete_id"},
    "sessions": SESSION_COLUMNS,
    "sets": SET_COLUMNS,
    "wellness": WELLNESS_COLUMNS,
    "injuries": INJURY_COLUMNS,
}


class ImportFileError(ValueError):
    """A whole file cannot be imported; the message names the file and the problem."""


@dataclass(frozen=True)
class Rejection:
    """One invalid record (or file) left out of a batch.

    Attributes:
        file: File name (PMData: path inside the PMData folder).
        record: Where in the file, e.g. ``"row 14"`` (CSV row number, header = row 1),
            ``"session"``, ``"workout 'Legs' 2021-02-10 16:46:13"``; None for the whole file.
        field: The field or column at fault, if one.
        rule: The rule that was broken, in words.
        value: The offending value as text, if one.
    """

    file: str
    record: str | None
    field: str | None
    rule: str
    value: str | None

    def message(self) -> str:
        """Return one line for a person, e.g. ``"s.csv row 14, field rpe: 15 (rpe must ...)"``."""
        where = self.file if self.record is None else f"{self.file} {self.record}"
        if self.field:
            where += f", field {self.field}"
        if self.value is not None:
            return f"{where}: {self.value} ({self.rule})"
        return f"{where}: {self.rule}"


def _empty(name: str) -> pd.DataFrame:
    frame = empty_frame(FRAME_COLUMNS[name])
    frame[ATHLETE_REF] = pd.Series(dtype=object)
    return frame


@dataclass
class ImportBatch:
    """Parsed records of one import, ready to be stored together.

    Every frame follows its contract in ``pipelines.schemas`` plus an ``athlete_ref`` column
    (None for single-athlete files; e.g. ``"pmdata:p01"`` for PMData, where ``athlete_id`` is
    the placeholder 0). ``athletes`` has no ``athlete_id`` and is only filled for
    multi-athlete sources. ``warnings`` lists things kept but worth telling the user
    (e.g. a FIT file whose records could not all be decoded); they are not rejections.
    """

    athletes: pd.DataFrame = field(default_factory=lambda: _empty("athletes"))
    sessions: pd.DataFrame = field(default_factory=lambda: _empty("sessions"))
    sets: pd.DataFrame = field(default_factory=lambda: _empty("sets"))
    wellness: pd.DataFrame = field(default_factory=lambda: _empty("wellness"))
    injuries: pd.DataFrame = field(default_factory=lambda: _empty("injuries"))
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Return the number of rows per frame plus the number of rejections."""
        sizes = {name: len(getattr(self, name)) for name in FRAME_COLUMNS}
        return {**sizes, "rejections": len(self.rejections)}


def _wall_clock(value: Any) -> Any:
    """Drop the zone of an aware datetime, keeping the wall-clock time as written."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return value


def build_frame(records: Sequence[Mapping[str, Any]], *, name: str) -> pd.DataFrame:
    """Return frame ``name`` (e.g. ``"sessions"``) built from record dicts, plus athlete_ref.

    Time-zone-aware datetimes keep their wall-clock time (the athlete's local time).
    """
    if not records:
        return _empty(name)
    raw = pd.DataFrame.from_records([{k: _wall_clock(v) for k, v in r.items()} for r in records])
    if name == "athletes":
        with_id = conform(raw.assign(athlete_id=0), ATHLETE_COLUMNS, name=name)
        frame = with_id.drop(columns="athlete_id")
    else:
        frame = conform(raw, FRAME_COLUMNS[name], name=name)
    refs = raw[ATHLETE_REF] if ATHLETE_REF in raw else pd.Series(None, index=raw.index)
    frame[ATHLETE_REF] = refs.astype(object).where(refs.notna(), None)
    return frame.reset_index(drop=True)


def merge_batches(batches: Iterable[ImportBatch]) -> ImportBatch:
    """Concatenate batches frame by frame (rejections and warnings in order)."""
    batches = list(batches)
    merged = ImportBatch()
    for name in FRAME_COLUMNS:
        parts = [getattr(b, name) for b in batches if len(getattr(b, name))]
        if parts:
            setattr(merged, name, pd.concat(parts, ignore_index=True))
    merged.rejections = [r for b in batches for r in b.rejections]
    merged.warnings = [w for b in batches for w in b.warnings]
    return merged


def content_hash(*parts: object) -> str:
    """Return a stable 32-hex-digit id for the given parts (sha256 of their text)."""
    text = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def read_file_bytes(path: Path, *, name: str | None = None) -> bytes:
    """Return the bytes of ``path``; raise ImportFileError if unreadable or empty (0 bytes)."""
    label = name or path.name
    try:
        data = path.read_bytes()
    except IsADirectoryError as err:
        raise ImportFileError(f"{label}: is a folder, not a file") from err
    except OSError as err:
        raise ImportFileError(f"{label}: cannot read the file ({err.strerror})") from err
    if not data:
        raise ImportFileError(f"{label}: empty file (0 bytes), nothing to import")
    return data


def decode_text(data: bytes, *, name: str) -> str:
    """Return ``data`` decoded as UTF-8 (a BOM is dropped); raise ImportFileError otherwise."""
    if b"\x00" in data:
        raise ImportFileError(
            f"{name}: not UTF-8 text (it contains NUL bytes, e.g. UTF-16); save it as UTF-8"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        bad = data[err.start]
        raise ImportFileError(
            f"{name}: not UTF-8 text (byte 0x{bad:02x} at position {err.start} is not valid "
            "UTF-8, e.g. a Latin-1 or Windows export); save it as UTF-8"
        ) from err


def validate_into(
    model: type[BaseModel],
    data: Mapping[str, Any],
    *,
    today: date,
    file: str,
    record: str,
    columns: Mapping[str, str] | None = None,
    rejections: list[Rejection],
) -> dict[str, Any] | None:
    """Validate one record; return its values, or None after appending its rejections.

    Args:
        model: A record model from ``pipelines.validation``.
        data: The record's raw field values.
        today: Reference day for "not in the future".
        file: File name for the rejections.
        record: Record label for the rejections (e.g. ``"row 14"``).
        columns: Optional map from model field to the file's own column name, so the
            rejection names what the user sees in the file.
        rejections: List the rejections are appended to (the only mutation).
    """
    parsed, issues = validate_record(model, data, today=today)
    if parsed is not None:
        return parsed.model_dump()
    rejections.extend(issue_rejections(issues, file=file, record=record, columns=columns))
    return None


def issue_rejections(
    issues: Iterable[Issue], *, file: str, record: str, columns: Mapping[str, str] | None = None
) -> list[Rejection]:
    """Turn validation issues into rejections, naming the file's own columns when known."""
    names = columns or {}
    return [
        Rejection(
            file=file,
            record=record,
            field=names.get(issue.field, issue.field) if issue.field else None,
            rule=issue.rule,
            value=issue.value,
        )
        for issue in issues
    ]
