"""Hash lists: VICS JSON, CSV and NSRL-style readers and writers (no database here)."""

from vidi.hashlists.csvlist import write_csv
from vidi.hashlists.entry import (
    IGNORABLE,
    VICS_CATEGORY_NAMES,
    ExportFile,
    ExportItem,
    KnownEntry,
    vics_category_code,
    vics_category_name,
)
from vidi.hashlists.reader import FORMATS, detect_format, read_hashlist, validate_hashlist
from vidi.hashlists.vics import write_vics

__all__ = [
    "FORMATS",
    "IGNORABLE",
    "VICS_CATEGORY_NAMES",
    "ExportFile",
    "ExportItem",
    "KnownEntry",
    "detect_format",
    "read_hashlist",
    "validate_hashlist",
    "vics_category_code",
    "vics_category_name",
    "write_csv",
    "write_vics",
]
