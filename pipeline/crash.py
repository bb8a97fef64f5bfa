"""A test hook that makes a run kill itself at a named point of one step.

With IMHARS_PIPELINE_CRASH_AT set to a step name, the run sends itself
SIGKILL when it reaches that step's crash point, as an operator's kill -9,
the kernel's out-of-memory killer or a power cut would stop it. The fault
tests (tests/faults/) use it to check that a killed run leaves the published
results as they were and that the next run completes. Leave it unset in
production: it does nothing then.

Crash points, one per step:

- ``load``: inside the load's DuckDB transaction, after every row is written
  and before the commit;
- ``dbt build``: while the dbt child process is building;
- ``validation``: after the suites wrote their report, before publishing;
- ``publish``: after the build is stamped with marts.publication, before the
  os.replace that publishes it.

IMHARS_PIPELINE_CRASH_DELAY_SECONDS waits that long at the crash point first,
so that a kill in the ``dbt build`` step finds dbt well into its build.
"""

import logging
import os
import signal
import time

logger = logging.getLogger(__name__)

CRASH_AT_VARIABLE = "IMHARS_PIPELINE_CRASH_AT"
CRASH_DELAY_VARIABLE = "IMHARS_PIPELINE_CRASH_DELAY_SECONDS"
CRASH_POINTS = ("load", "dbt build", "validation", "publish")


def crash_point(step: str) -> None:
    """Kill this process with SIGKILL if IMHARS_PIPELINE_CRASH_AT names step."""
    if os.environ.get(CRASH_AT_VARIABLE) != step:
        return
    delay_seconds = float(os.environ.get(CRASH_DELAY_VARIABLE, "0"))
    logger.warning(
        "%s=%r: killing the run with SIGKILL in %g s",
        CRASH_AT_VARIABLE,
        step,
        delay_seconds,
    )
    time.sleep(delay_seconds)
    for handler in logging.getLogger().handlers:
        handler.flush()
    os.kill(os.getpid(), signal.SIGKILL)
