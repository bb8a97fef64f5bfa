"""Run every suite on a warehouse file and decide whether it may be published.

Each suite's rows are read from DuckDB into pandas and validated by GX's
pandas engine. GX's SQL data source is not used. It needs the duckdb-engine
dialect, which this project does not install, and with GX Core 1.24.1 it was
seen to report success=False on valid data, with the real error (a fetch
after the connection closed) only in exception_info.

A suite with a partition column is read and validated in slices of about
SLICE_ROWS rows, and the slices' results are merged per expectation, so the
rows held in pandas at once stay near SLICE_ROWS however large its table grows.
"""

import logging
import re
import time
from dataclasses import dataclass
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
    merge_outcomes,
)
from .suites import FactUnavailableError, Suite, WarehouseFacts, all_suites

logger = logging.getLogger(__name__)

RUN_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")

# Rows per slice of a partitioned suite. A slice of raw.answers (10 columns,
# 6 of them strings) costs about 0.9 KB per row in this process, DataFrame and
# GX's working copies together, on top of about 0.5 GB for GX and DuckDB. So
# 500,000 rows keep validation near 1 GB, half the 2 GB a pipeline run may
# use. Measured as peak RSS of raw.answers.critical alone on 31 million rows
# with GX Core 1.24.1: 1.0 GB at 500,000 rows per slice, 0.77 GB at 250,000.
# A slice also contains every row of its last partition value, so it can
# exceed SLICE_ROWS by up to that many rows.
SLICE_ROWS = 500_000


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
    """Read the suite's rows slice by slice, validate each and merge the results.

    A slice that cannot be read or validated stops the suite with a problem,
    which fails it. The outcomes of the slices validated before it are kept.
    """
    started = time.perf_counter()
    outcome = SuiteOutcome(
        name=suite.name, description=suite.description, severity=suite.severity
    )
    try:
        source, outcome.problems = _select_rows(connection, suite)
        slices = _plan_slices(connection, suite, source)
    except duckdb.Error as error:
        outcome.problems = [f"could not read its data: {error}"]
        return _finish(outcome, started)

    validator = _SliceValidator(context, suite, facts)
    outcomes_per_slice = []
    outcome.rows_read = 0
    for part in slices:
        try:
            frame = _read_slice(connection, suite, source, part)
        except duckdb.Error as error:
            outcome.problems.append(
                f"could not read its data{part.describe(suite)}: {error}"
            )
            break
        outcome.rows_read += len(frame)
        try:
            validator.prepare()
        except (FactUnavailableError, ValueError) as error:
            outcome.problems.append(f"could not build the suite: {error}")
            break
        try:
            outcomes_per_slice.append(validator.validate(frame))
        except Exception as error:  # noqa: BLE001 (a gate must fail, never crash)
            logger.exception("suite could not run", extra={"suite": suite.name})
            outcome.problems.append(
                f"GX could not run the suite{part.describe(suite)}: {error}"
            )
            break
        # Dropped before the next slice is read, so this loop keeps one at a time.
        del frame

    if outcomes_per_slice:
        outcome.expectations = [
            merge_outcomes(list(per_expectation))
            for per_expectation in zip(*outcomes_per_slice, strict=True)
        ]
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


def _select_rows(
    connection: duckdb.DuckDBPyConnection, suite: Suite
) -> tuple[str | None, list[str]]:
    """Return SQL that selects the suite's rows, and any problem with its columns.

    A table suite selects only its listed columns. Missing ones are reported
    here, and the expectations on them then fail with a GX error as well.
    The SQL is None when none of the listed columns exists.
    """
    if suite.query is not None:
        return suite.query, []

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
        return None, problems

    selected = ", ".join(_quote(column) for column in present)
    query = f"select {selected} from {_quote(schema)}.{_quote(table)}"  # noqa: S608 (identifiers quoted)
    return query, problems


@dataclass(frozen=True)
class _Slice:
    """Rows whose partition value lies in lower..upper, or is null when is_null.

    With whole set, the slice is every row of an unpartitioned suite.
    """

    lower: object = None
    upper: object = None
    is_null: bool = False
    whole: bool = False

    def describe(self, suite: Suite) -> str:
        """Return a phrase naming the slice's rows, empty for the whole table."""
        if self.whole:
            return ""
        if self.is_null:
            return f" (rows where {suite.partition_by} is null)"
        return f" (rows with {suite.partition_by} {self.lower} to {self.upper})"


_WHOLE_TABLE = _Slice(whole=True)


def _plan_slices(
    connection: duckdb.DuckDBPyConnection, suite: Suite, source: str | None
) -> list[_Slice]:
    """Split a partitioned suite's rows into slices of whole partition values.

    DuckDB counts the rows of each partition value and cuts the running
    total every SLICE_ROWS rows, so no row reaches Python here. Rows with a
    null partition value form one more slice. An empty source still gets one
    (empty) slice, so its expectations run and a missing column fails.
    """
    if suite.partition_by is None or source is None:
        return [_WHOLE_TABLE]
    column = _quote(suite.partition_by)
    slice_rows = int(SLICE_ROWS)
    if slice_rows < 1:
        raise ValueError(f"SLICE_ROWS is {SLICE_ROWS}: expected at least 1")
    rows = connection.execute(
        f"""
        with counts as (
            select {column} as value, count(*) as row_count
            from ({source}) as source
            group by 1
        ),
        running as (
            select
                value,
                sum(row_count) over (order by value nulls last) as rows_up_to
            from counts
        )
        select value is null as is_null, min(value), max(value)
        from running
        group by value is null, (rows_up_to - 1) // {slice_rows}
        order by value is null, 2
        """  # noqa: S608 (the column is quoted; slice_rows is an int)
    ).fetchall()
    slices = [
        _Slice(lower=lower, upper=upper, is_null=is_null)
        for is_null, lower, upper in rows
    ]
    return slices or [_Slice(is_null=True)]


def _read_slice(
    connection: duckdb.DuckDBPyConnection,
    suite: Suite,
    source: str | None,
    part: _Slice,
) -> pd.DataFrame:
    if source is None:
        return pd.DataFrame()
    if part.whole:
        return connection.execute(source).df()
    column = _quote(suite.partition_by)
    if part.is_null:
        query = f"select * from ({source}) as source where {column} is null"  # noqa: S608 (column quoted)
        return connection.execute(query).df()
    query = f"select * from ({source}) as source where {column} between ? and ?"  # noqa: S608 (column quoted)
    return connection.execute(query, [part.lower, part.upper]).df()


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


class _SliceValidator:
    """GX validator of one suite's slices, one DataFrame at a time.

    The expectations are built, and the GX data source and expectation suite
    added to the context, on the first slice. Every slice reuses them.
    """

    def __init__(self, context, suite: Suite, facts: WarehouseFacts):
        self._context = context
        self._suite = suite
        self._facts = facts
        self._batch_definition = None
        self._counting_suite = None
        self._slices_validated = 0

    def prepare(self) -> None:
        """Build the expectations and add them to GX, unless done already.

        Raises FactUnavailableError or ValueError when the expectations
        cannot be built.
        """
        if self._counting_suite is not None:
            return
        suite = self._suite
        expectations = suite.build_expectations(self._facts)
        self._batch_definition = (
            self._context.data_sources.add_pandas(suite.name)
            .add_dataframe_asset(suite.name)
            .add_batch_definition_whole_dataframe("whole table")
        )
        self._counting_suite = _add_suite(self._context, suite.name, expectations)

    def validate(self, frame: pd.DataFrame) -> list[ExpectationOutcome]:
        """Validate one slice; return one outcome per expectation, in order.

        A first pass counts failing rows for every expectation. A second pass
        runs only the expectations that failed or raised on this slice, and
        names their failing rows by the suite's row key. Naming rows makes GX
        markedly slower, so only failed expectations pay for it.
        """
        self.prepare()
        suite = self._suite
        self._slices_validated += 1

        row_key = tuple(column for column in suite.row_key if column in frame.columns)
        batch = self._batch_definition.get_batch(batch_parameters={"dataframe": frame})
        counted = _validate_batch(
            batch, self._counting_suite, {"result_format": "BASIC"}
        )
        outcomes = [
            convert_result(expectation, result, row_key)
            for expectation, result in counted
        ]
        failed = [
            index for index, outcome in enumerate(outcomes) if not outcome.success
        ]
        if not failed:
            return outcomes

        # Built again so the second suite contains fresh expectation objects.
        rebuilt = suite.build(self._facts)
        detailing_suite = _add_suite(
            self._context,
            f"{suite.name} failing rows {self._slices_validated}",
            [rebuilt[index] for index in failed],
        )
        detailed = _validate_batch(
            batch,
            detailing_suite,
            {
                "result_format": "SUMMARY",
                "partial_unexpected_count": MAX_LISTED_ROWS,
                "unexpected_index_column_names": list(row_key),
            },
        )
        self._context.suites.delete(detailing_suite.name)
        for index, (expectation, result) in zip(failed, detailed, strict=True):
            outcome = convert_result(expectation, result, row_key)
            # A failure in the first pass is kept, whatever the second pass returns.
            outcome.success = False
            outcomes[index] = outcome
        return outcomes


def _add_suite(context, name: str, expectations: list):
    """Add an expectation suite to the context and return it.

    Adding gives each expectation an id, which matches results (returned in
    another order) back to expectations.
    """
    return context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))


def _validate_batch(batch, expectation_suite, result_format: dict) -> list[tuple]:
    """Validate a batch; return (expectation, result) pairs in the suite's order.

    A missing result is returned as None, which convert_result reports as
    a failure.
    """
    validation = batch.validate(expectation_suite, result_format=result_format)
    results = {result.expectation_config.id: result for result in validation.results}
    return [
        (expectation, results.get(expectation.id))
        for expectation in expectation_suite.expectations
    ]
