"""History import from the old system: CSV parsing, checks, and the all-or-nothing bulk write."""

from .errors import ImportFileError, ImportRejectedError
from .parsing import COLUMNS, OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from .service import history_import

__all__ = [
    "COLUMNS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "ImportFileError",
    "ImportRejectedError",
    "history_import",
]
