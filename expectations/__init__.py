"""Great Expectations suites that gate publication of the warehouse.

`validate_warehouse` runs every suite on a DuckDB warehouse file: the raw
tables first, then the marts. The pipeline publishes the file only when the
returned outcome's `success` is true; `failures` names each failed suite,
expectation and row, and `report_path` is the run's HTML report.
"""

from .results import ValidationOutcome
from .validation import validate_warehouse

__all__ = ["ValidationOutcome", "validate_warehouse"]
