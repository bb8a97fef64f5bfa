"""Run one dbt command through dbtRunner and write a JSON summary of its result.

pipeline.build starts this module as a child process:

    python -m pipeline.dbt_invoke SUMMARY_JSON DBT_ARGUMENT...

dbt-duckdb keeps its DuckDB connection open after dbtRunner returns (the
profile option keep_open defaults to true), which would hold the build file's
lock until the pipeline exits. In a child process the file is closed when
the child ends, and dbt's global state stays out of the pipeline.
"""

import ctypes
import json
import os
import signal
import sys
from pathlib import Path

# dbt result statuses that fail the build: a model or hook that errored, or a
# data test that failed. Skipped nodes follow from one of these.
FAILED_STATUSES = {"error", "fail", "runtime error"}

# dbt's full message stays in its log; the summary keeps the start of it.
MAX_MESSAGE_CHARACTERS = 400

# The pipeline process that started this one (set by pipeline.build).
PARENT_PID_VARIABLE = "IMHARS_PIPELINE_PID"
PR_SET_PDEATHSIG = 1


def summarise(result) -> dict:
    """Return success, the exception if dbt could not run, and failed nodes."""
    return {
        "success": bool(result.success),
        "exception": None if result.exception is None else str(result.exception),
        "failures": _failed_nodes(result.result),
        "statuses": _status_counts(result.result),
    }


def _status_counts(run_result) -> dict[str, int]:
    """Count the nodes of each status, like {"success": 40, "pass": 290}."""
    counts: dict[str, int] = {}
    for node_result in getattr(run_result, "results", None) or []:
        status = str(node_result.status)
        counts[status] = counts.get(status, 0) + 1
    return counts


def _failed_nodes(run_result) -> list[str]:
    """Describe each failed node as 'unique_id (status): message' on one line."""
    failures = []
    for node_result in getattr(run_result, "results", None) or []:
        status = str(node_result.status)
        if status not in FAILED_STATUSES:
            continue
        message = " ".join((node_result.message or "no message").split())
        if len(message) > MAX_MESSAGE_CHARACTERS:
            message = message[: MAX_MESSAGE_CHARACTERS - 3] + "..."
        failures.append(f"{node_result.node.unique_id} ({status}): {message}")
    return failures


def end_with_parent() -> None:
    """Have Linux send this process SIGKILL when the pipeline process ends.

    Without it, a pipeline killed during the build leaves dbt running, and
    that dbt writes to dbt-target/ and logs/ while the next run builds.
    """
    parent_pid = os.environ.get(PARENT_PID_VARIABLE)
    if parent_pid is None or not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != int(parent_pid):
        # The pipeline ended before prctl took effect.
        sys.exit("the pipeline process ended before dbt started")


def main(argv: list[str]) -> int:
    """Invoke dbt with argv[1:], write the summary to argv[0], return 0 or 1."""
    end_with_parent()
    from dbt.cli.main import dbtRunner

    summary_path, *dbt_arguments = argv
    result = dbtRunner().invoke(dbt_arguments)
    summary = summarise(result)
    Path(summary_path).write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return 0 if summary["success"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
