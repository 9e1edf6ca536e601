"""File importers: pure parsers from activity files and logs to checked frames.

Every reader returns an :class:`ImportBatch` (frames + rejections) and writes nothing;
whole-file problems raise :class:`ImportFileError`. See docs/import-formats.md.
"""

from pipelines.importers.batch import ImportBatch, ImportFileError, Rejection, merge_batches
from pipelines.importers.cairn_csv import read_cairn_csv
from pipelines.importers.detect import (
    FORMATS,
    detect_format,
    iter_import_files,
    read_activity_file,
)
from pipelines.importers.fit import read_fit
from pipelines.importers.gpx import read_gpx
from pipelines.importers.pmdata import read_pmdata
from pipelines.importers.strength_csv import read_strength_csv

__all__ = [
    "FORMATS",
    "ImportBatch",
    "ImportFileError",
    "Rejection",
    "detect_format",
    "iter_import_files",
    "merge_batches",
    "read_activity_file",
    "read_cairn_csv",
    "read_fit",
    "read_gpx",
    "read_pmdata",
    "read_strength_csv",
]
