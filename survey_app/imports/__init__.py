"""Import past years' responses exported from Google Forms, Microsoft Forms and
LimeSurvey, keeping only mapped answers, the year group and the date."""

from .mapping import ImportMapping, load_mapping
from .problems import ImportRejected, Problem
from .service import (
    STATUS_ALREADY_IMPORTED,
    STATUS_DRY_RUN,
    STATUS_IMPORTED,
    ImportResult,
    import_responses,
)

__all__ = [
    "STATUS_ALREADY_IMPORTED",
    "STATUS_DRY_RUN",
    "STATUS_IMPORTED",
    "ImportMapping",
    "ImportRejected",
    "ImportResult",
    "Problem",
    "import_responses",
    "load_mapping",
]
