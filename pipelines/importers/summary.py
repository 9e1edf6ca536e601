"""What an import reports back: per file, rows imported, duplicates skipped, rejections.

Pure data: built by ``engine.services.imports``, printed by the CLI and returned as JSON by the API.
A file's ``status`` is one of:

- ``ok``: the file was applied (possibly with nothing new: every record a duplicate; with
  ``skip_invalid`` its invalid records are listed in ``rejections`` and were left out);
- ``rejected``: some records are invalid and ``skip_invalid`` was off (or nothing valid
  remained), so nothing of the file was written;
- ``failed``: the file could not be imported at all (unreadable, unknown format, unknown
  athlete, database refused it); nothing of the file was written, ``error`` says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pipelines.importers import Rejection

TABLES = ("athletes", "sessions", "sets", "wellness", "injuries")
Status = Literal["ok", "rejected", "failed"]


def zero_counts() -> dict[str, int]:
    """Return a count of 0 for every imported table (see :data:`TABLES`)."""
    return dict.fromkeys(TABLES, 0)


@dataclass
class FileImport:
    """The outcome of importing one file (or one PMData folder).

    Attributes:
        file: The file as the user named it (CLI path or uploaded file name).
        format: The import format used, None when it could not be decided.
        status: ``ok``, ``rejected`` or ``failed`` (see module docstring).
        imported: Rows written per table (athletes only for PMData).
        duplicates: Records skipped because they were already stored, per table.
        rejections: Invalid records, each with file, record, field, value and rule.
        warnings: Things imported but worth a look (they never block).
        error: Why nothing was written (rejected or failed), naming the file; else None.
    """

    file: str
    format: str | None = None
    status: Status = "ok"
    imported: dict[str, int] = field(default_factory=zero_counts)
    duplicates: dict[str, int] = field(default_factory=zero_counts)
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def n_imported(self) -> int:
        """Return the number of rows written for this file."""
        return sum(self.imported.values())

    @property
    def n_duplicates(self) -> int:
        """Return the number of records skipped as already stored."""
        return sum(self.duplicates.values())

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form (rejections as dicts with a ``message`` line)."""
        return {
            "file": self.file,
            "format": self.format,
            "status": self.status,
            "imported": dict(self.imported),
            "duplicates": dict(self.duplicates),
            "rejected": [{**vars(r), "message": r.message()} for r in self.rejections],
            "warnings": list(self.warnings),
            "error": self.error,
        }


@dataclass
class ImportSummary:
    """The outcome of one import run over one or more files (each file its own transaction)."""

    files: list[FileImport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Return True when every file was applied (duplicates and skipped records allowed)."""
        return all(f.status == "ok" for f in self.files)

    @property
    def exit_code(self) -> int:
        """Return the CLI exit code: 0 when every file was applied, else 1."""
        return 0 if self.ok else 1

    def totals(self, attribute: Literal["imported", "duplicates"]) -> dict[str, int]:
        """Return the per-table sum of ``imported`` or ``duplicates`` over all files."""
        out = zero_counts()
        for item in self.files:
            for table, count in getattr(item, attribute).items():
                out[table] += count
        return out

    @property
    def n_imported(self) -> int:
        """Return the number of rows written over all files."""
        return sum(f.n_imported for f in self.files)

    @property
    def n_rejected(self) -> int:
        """Return the number of rejected records over all files."""
        return sum(len(f.rejections) for f in self.files)

    def message(self) -> str:
        """Return one line for a person, e.g. ``"1 of 3 file(s) not imported: a.csv: ..."``."""
        bad = [f for f in self.files if f.status != "ok"]
        if not bad:
            return f"{len(self.files)} file(s) imported"
        reasons = "; ".join(f.error or f"{f.file}: {f.status}" for f in bad)
        return f"{len(bad)} of {len(self.files)} file(s) not imported: {reasons}"

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form used by the API (and ``cairn import --json``)."""
        return {
            "ok": self.ok,
            "imported": self.totals("imported"),
            "duplicates": self.totals("duplicates"),
            "rejected": self.n_rejected,
            "files": [f.to_dict() for f in self.files],
        }
