"""Run every suite on a warehouse file and decide whether it may be published.

Each suite's rows are read from DuckDB into pandas and validated by GX's
pandas engine. GX's SQL data source is not used. It needs the duckdb-engine
dialect, which this project does not install, and with GX Core 1.24.1 it was
seen to report success=False on valid data, with the real error (a fetch
after the connection closed) only in exception_info.
"""

import logging
import re
import time
from pathlib import Path

import duckdb
import pandas as pd

from ._gx import ProgressBarsConfig, gx
from .report import write_report
from .results import (
    MAX_LISTED_ROWS,
    ExpectationOutcome,
    SuiteOutcome,
    ValidationOutcome,
    convert_result,
)
from .suites import FactUnavailableError, Suite, WarehouseFacts, all_suites

logger = logging.getLogger(__name__)

RUN_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def validate_warehouse(
    database_path: Path, report_dir: Path, run_id: str | int
) -> ValidationOutcome:
    """Validate the warehouse file with every suite and write its report.

    The file is opened read-only. Any expectation that fails or raises, and
    any suite that cannot read its data, makes the outcome fail: nothing
    unvalidated passes. The report goes to report_dir as run-<run_id>.html
    and .json, copied to latest.html and latest.json.
    Raises ValueError for a run_id that is unsafe in a file name, and OSError
    when the report cannot be written.
    """
    run_id = str(run_id)
    if not RUN_ID_PATTERN.fullmatch(run_id):
        raise ValueError(
            f"invalid run_id {run_id!r}: use up to 64 letters, digits, '.', '_'"
            " or '-', starting with a letter or digit"
        )
    database_path = Path(database_path)
    logger.info(
        "warehouse validation started",
        extra={"run_id": run_id, "database": str(database_path)},
    )

    suites = _run_suites(database_path)
    failures = [
        message
        for outcome in suites
        if outcome.severity == "critical"
        for message in outcome.failure_messages()
    ]
    warnings = [
        message
        for outcome in suites
        if outcome.severity != "critical"
        for message in outcome.failure_messages()
    ]
    outcome = ValidationOutcome(
        success=not failures,
        failures=failures,
        warnings=warnings,
        report_path=Path(report_dir) / f"run-{run_id}.html",
        suites=suites,
    )
    write_report(outcome, database_path, run_id)

    if outcome.success:
        logger.info(
            "warehouse validation passed",
            extra={"run_id": run_id, "warnings": len(warnings)},
        )
    else:
        logger.warning(
            "warehouse validation failed",
            extra={"run_id": run_id, "failures": len(failures)},
        )
    return outcome


def _run_suites(database_path: Path) -> list[SuiteOutcome]:
    suites = all_suites()
    try:
        connection = duckdb.connect(str(database_path), read_only=True)
    except duckdb.Error as error:
        logger.warning(
            "warehouse could not be opened",
            extra={"database": str(database_path), "error": str(error)},
        )
        return [
            SuiteOutcome(
                name=suite.name,
                description=suite.description,
                severity=suite.severity,
                problems=[f"could not open {database_path}: {error}"],
            )
            for suite in suites
        ]

    try:
        context = _create_context()
        facts = WarehouseFacts(connection)
        return [_run_suite(context, connection, facts, suite) for suite in suites]
    finally:
        connection.close()


def _create_context():
    """Create an in-memory GX context, which keeps no files."""
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _run_suite(
    context,
    connection: duckdb.DuckDBPyConnection,
    facts: WarehouseFacts,
    suite: Suite,
) -> SuiteOutcome:
    started = time.perf_counter()
    outcome = SuiteOutcome(
        name=suite.name, description=suite.description, severity=suite.severity
    )
    try:
        frame, outcome.problems = _read_frame(connection, suite)
    except duckdb.Error as error:
        outcome.problems = [f"could not read its data: {error}"]
        return _finish(outcome, started)
    outcome.rows_read = len(frame)

    try:
        outcome.expectations = _validate_frame(context, suite, frame, facts)
    except FactUnavailableError as error:
        outcome.problems.append(f"could not build the suite: {error}")
    except Exception as error:  # noqa: BLE001 (a gate must fail, never crash)
        logger.exception("suite could not run", extra={"suite": suite.name})
        outcome.problems.append(f"GX could not run the suite: {error}")
    return _finish(outcome, started)


def _finish(outcome: SuiteOutcome, started: float) -> SuiteOutcome:
    outcome.seconds = time.perf_counter() - started
    if outcome.success:
        logger.info(
            "suite %s passed in %.1f s",
            outcome.name,
            outcome.seconds,
            extra={"suite": outcome.name},
        )
    else:
        logger.warning(
            "suite %s failed: %d failures",
            outcome.name,
            len(outcome.failure_messages()),
            extra={
                "suite": outcome.name,
                "failures": len(outcome.failure_messages()),
            },
        )
    return outcome


def _read_frame(
    connection: duckdb.DuckDBPyConnection, suite: Suite
) -> tuple[pd.DataFrame, list[str]]:
    """Read the suite's rows; return them and any problem with the table's columns.

    A table suite reads only its listed columns. Missing ones are reported
    here, and the expectations on them then fail with a GX error as well.
    """
    if suite.query is not None:
        return connection.execute(suite.query).df(), []

    schema, table = suite.table.split(".")
    existing = {
        name
        for (name,) in connection.execute(
            "select column_name from information_schema.columns"
            " where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()
    }
    if not existing:
        raise duckdb.CatalogException(f"table {suite.table} not found")
    present = [column for column in suite.columns if column in existing]
    missing = [column for column in suite.columns if column not in existing]
    problems = []
    if missing:
        problems.append(f"{suite.table} has no column {', '.join(missing)}")
    if not present:
        return pd.DataFrame(), problems

    selected = ", ".join(_quote(column) for column in present)
    query = f"select {selected} from {_quote(schema)}.{_quote(table)}"  # noqa: S608 (identifiers quoted)
    return connection.execute(query).df(), problems


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _validate_frame(
    context, suite: Suite, frame: pd.DataFrame, facts: WarehouseFacts
) -> list[ExpectationOutcome]:
    """Validate the frame with GX; return one outcome per expectation, in order.

    A first pass counts failing rows for every expectation. A second pass
    runs only the expectations that failed or raised, and names their
    failing rows by the suite's row key. Naming rows makes GX markedly
    slower, so only failed expectations pay for it.
    """
    row_key = tuple(column for column in suite.row_key if column in frame.columns)
    batch = (
        context.data_sources.add_pandas(suite.name)
        .add_dataframe_asset(suite.name)
        .add_batch_definition_whole_dataframe("whole table")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    counted = _validate_batch(
        context, batch, suite.name, suite.build(facts), {"result_format": "BASIC"}
    )
    outcomes = [
        convert_result(expectation, result, row_key) for expectation, result in counted
    ]
    failed = [index for index, outcome in enumerate(outcomes) if not outcome.success]
    if not failed:
        return outcomes

    # Built again so the second suite contains fresh expectation objects.
    rebuilt = suite.build(facts)
    detailed = _validate_batch(
        context,
        batch,
        f"{suite.name} failing rows",
        [rebuilt[index] for index in failed],
        {
            "result_format": "SUMMARY",
            "partial_unexpected_count": MAX_LISTED_ROWS,
            "unexpected_index_column_names": list(row_key),
        },
    )
    for index, (expectation, result) in zip(failed, detailed, strict=True):
        outcome = convert_result(expectation, result, row_key)
        # A failure in the first pass is kept, whatever the second pass returns.
        outcome.success = False
        outcomes[index] = outcome
    return outcomes


def _validate_batch(
    context, batch, suite_name: str, expectations: list, result_format: dict
) -> list[tuple]:
    """Validate a batch; return (expectation, result) pairs in the given order.

    A missing result is returned as None, which convert_result reports as
    a failure.
    """
    # Adding the suite to the context gives each expectation an id, which
    # matches results (returned in another order) back to expectations.
    expectation_suite = context.suites.add(
        gx.ExpectationSuite(name=suite_name, expectations=expectations)
    )
    validation = batch.validate(expectation_suite, result_format=result_format)
    results = {result.expectation_config.id: result for result in validation.results}
    return [
        (expectation, results.get(expectation.id))
        for expectation in expectation_suite.expectations
    ]
