"""Outcomes of a validation run, and their conversion from GX results."""

import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ._gx import ExpectationValidationResult, gxe

# Failing rows listed per expectation, in messages and in the report.
MAX_LISTED_ROWS = 20
# Failing rows named in each line of ValidationOutcome.failures.
MAX_ROWS_IN_MESSAGE = 5


@dataclass
class ExpectationOutcome:
    """The result of one expectation, ready to print."""

    label: str
    description: str
    success: bool
    element_count: int | None = None
    unexpected_count: int | None = None
    observed_value: str | None = None
    failing_rows: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def message(self) -> str:
        """Describe the failure: the expectation and its failing rows or error."""
        if self.errors:
            return f"{self.label} raised an error: {'; '.join(self.errors)}"
        if self.unexpected_count:
            plural = "row" if self.unexpected_count == 1 else "rows"
            rows = self.failing_rows[:MAX_ROWS_IN_MESSAGE]
            more = self.unexpected_count - len(rows)
            listed = "; ".join(rows)
            if more > 0:
                listed += f"; and {more} more"
            return f"{self.label} failed on {self.unexpected_count} {plural}: {listed}"
        if self.observed_value is not None:
            return f"{self.label} failed: observed {self.observed_value}"
        return f"{self.label} failed"


@dataclass
class SuiteOutcome:
    """The results of one suite, with any problem that stopped it running."""

    name: str
    description: str
    severity: str
    rows_read: int | None = None
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    expectations: list[ExpectationOutcome] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return not self.problems and all(
            expectation.success for expectation in self.expectations
        )

    def failure_messages(self) -> list[str]:
        """Return one line per problem and failed expectation, named by suite."""
        messages = [f"{self.name}: {problem}" for problem in self.problems]
        messages += [
            f"{self.name}: {expectation.message()}"
            for expectation in self.expectations
            if not expectation.success
        ]
        return messages


@dataclass
class ValidationOutcome:
    """The verdict on one warehouse: publish it only when success is true.

    failures lists every failed critical expectation and every suite that
    could not run; warnings lists failed warning expectations, which do not
    stop publication.
    """

    success: bool
    failures: list[str]
    warnings: list[str]
    report_path: Path
    suites: list[SuiteOutcome]


def describe_expectation(expectation: gxe.Expectation) -> str:
    """Return a short label like ExpectColumnValuesToBeBetween(score, 0..100)."""
    configuration = expectation.configuration
    kwargs = configuration.kwargs
    arguments = []
    if "column" in kwargs:
        arguments.append(kwargs["column"])
    if "column_list" in kwargs:
        arguments.append(", ".join(kwargs["column_list"]))
    if "column_A" in kwargs:
        operator = ">=" if kwargs.get("or_equal") else ">"
        if isinstance(expectation, gxe.ExpectColumnPairValuesAToBeGreaterThanB):
            arguments.append(f"{kwargs['column_A']} {operator} {kwargs['column_B']}")
        else:
            arguments.append(f"{kwargs['column_A']}, {kwargs['column_B']}")
    arguments += _describe_bounds(kwargs)
    if kwargs.get("regex"):
        arguments.append(f"matches {kwargs['regex']}")
    if "value" in kwargs:
        arguments.append(f"= {kwargs['value']}")
    row_condition = getattr(expectation, "row_condition", None)
    if row_condition is not None:
        arguments.append(f"where {row_condition!r}")
    return f"{type(expectation).__name__}({', '.join(arguments)})"


def _describe_bounds(kwargs: dict) -> list[str]:
    minimum, maximum = kwargs.get("min_value"), kwargs.get("max_value")
    if minimum is not None and maximum is not None:
        return [f"{_format_number(minimum)}..{_format_number(maximum)}"]
    if minimum is not None:
        return [f">= {_format_number(minimum)}"]
    if maximum is not None:
        return [f"<= {_format_number(maximum)}"]
    values = kwargs.get("value_set") or kwargs.get("value_pairs_set")
    if values is None:
        return []
    if len(values) <= 7:
        return [f"in {{{', '.join(_format_value(value) for value in values)}}}"]
    return [f"in {len(values)} known values"]


def _format_number(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def convert_result(
    expectation: gxe.Expectation,
    result: ExpectationValidationResult | None,
    row_key: tuple[str, ...],
) -> ExpectationOutcome:
    """Convert a GX result; one that raised an exception or is missing fails."""
    if result is None:
        return ExpectationOutcome(
            label=describe_expectation(expectation),
            description=expectation.description or "",
            success=False,
            errors=["GX returned no result for this expectation"],
        )
    details = result.result or {}
    errors = raised_exception_messages(result.exception_info)
    observed = details.get("observed_value")
    return ExpectationOutcome(
        label=describe_expectation(expectation),
        description=expectation.description or "",
        success=result.success is True and not errors,
        element_count=details.get("element_count"),
        unexpected_count=details.get("unexpected_count"),
        observed_value=None if observed is None else str(observed),
        failing_rows=_failing_rows(details, row_key),
        errors=errors,
    )


def merge_outcomes(slices: list[ExpectationOutcome]) -> ExpectationOutcome:
    """Merge one expectation's outcomes on the slices of a DataFrame into one.

    The merged outcome succeeds only when every slice did. Counts are summed
    over the slices that report them, failing rows are kept in slice order
    up to MAX_LISTED_ROWS, and each distinct error is kept once.
    Raises ValueError when slices is empty.
    """
    if not slices:
        raise ValueError("no slice outcomes to merge: validate at least one slice")
    first = slices[0]
    failed = [outcome for outcome in slices if not outcome.success]
    observed = next(
        (outcome.observed_value for outcome in failed if outcome.observed_value),
        first.observed_value,
    )
    failing_rows = [row for outcome in slices for row in outcome.failing_rows]
    errors = [error for outcome in slices for error in outcome.errors]
    return ExpectationOutcome(
        label=first.label,
        description=first.description,
        success=not failed,
        element_count=_sum_counts(outcome.element_count for outcome in slices),
        unexpected_count=_sum_counts(outcome.unexpected_count for outcome in slices),
        observed_value=observed,
        failing_rows=failing_rows[:MAX_LISTED_ROWS],
        errors=list(dict.fromkeys(errors)),
    )


def _sum_counts(counts) -> int | None:
    """Sum the counts that are known; return None when no slice reported one."""
    known = [count for count in counts if count is not None]
    return sum(known) if known else None


def raised_exception_messages(exception_info) -> list[str]:
    """Return the messages of every exception GX recorded for one result.

    GX stores either one {raised_exception, exception_message, ...} dict, or a
    dict of them keyed by metric. Anything else is reported as an error too,
    so an unexpected shape can never pass.
    """
    if not exception_info:
        return []
    if not isinstance(exception_info, dict):
        return [f"unrecognised exception_info {exception_info!r}"]
    if "raised_exception" in exception_info:
        entries = [exception_info]
    else:
        entries = list(exception_info.values())
    messages = []
    for entry in entries:
        if not isinstance(entry, dict) or "raised_exception" not in entry:
            messages.append(f"unrecognised exception_info {entry!r}")
        elif entry["raised_exception"]:
            messages.append(entry.get("exception_message") or "no message")
    return list(dict.fromkeys(messages))


def _failing_rows(details: dict, row_key: tuple[str, ...]) -> list[str]:
    """Name each failing row by its key columns, then its offending values.

    Duplicate rows stay listed twice, which shows a duplicated key.
    """
    indexed = details.get("partial_unexpected_index_list")
    if indexed and isinstance(indexed[0], dict):
        rows = [_format_row(row, row_key) for row in indexed]
    else:
        rows = [
            _format_value(value)
            for value in details.get("partial_unexpected_list") or []
        ]
    return rows[:MAX_LISTED_ROWS]


def _format_row(row: dict, row_key: tuple[str, ...]) -> str:
    key = " ".join(
        f"{column}={_format_value(row[column])}" for column in row_key if column in row
    )
    values = ", ".join(
        f"{column}={_format_value(value)}"
        for column, value in row.items()
        if column not in row_key
    )
    return f"{key} ({values})" if values else key


def _format_value(value) -> str:
    if isinstance(value, list | tuple):
        return "(" + ", ".join(_format_value(item) for item in value) + ")"
    # GX passes pandas' missing values through, sometimes as the text "<NA>".
    if value is None or value is pd.NA or (isinstance(value, str) and value == "<NA>"):
        return "null"
    if isinstance(value, float):
        return "null" if math.isnan(value) else _format_number(value)
    return str(value)
