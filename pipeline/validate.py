"""The validation gate: the Great Expectations suites of expectations/."""

import logging
from pathlib import Path

from .errors import PipelineError

logger = logging.getLogger(__name__)

# How many failures the gate's message lists; the report lists them all.
MAX_LISTED_FAILURES = 5


class ValidationError(PipelineError):
    step = "validation"


def validate_build(database_path: Path, report_dir: Path, run_id: int):
    """Run every suite on the build file; raise ValidationError when one fails.

    Returns the suites' ValidationOutcome. The report is written to
    report_dir as run-<run_id>.html and latest.html, pass or fail.
    """
    # Imported here: Great Expectations takes 2-3 s to import, and the app
    # imports this package without validating anything.
    from expectations import validate_warehouse

    outcome = validate_warehouse(database_path, report_dir, run_id)
    for warning in outcome.warnings:
        logger.warning("validation warning: %s", warning)
    if outcome.success:
        return outcome

    listed = outcome.failures[:MAX_LISTED_FAILURES]
    more = len(outcome.failures) - len(listed)
    summary = "; ".join(listed) + (f"; and {more} more" if more > 0 else "")
    raise ValidationError(
        f"{len(outcome.failures)} critical checks failed: {summary}",
        f"read the report {outcome.report_path}, fix the data or the dbt "
        "models, then run the pipeline again",
    )
