"""Suite definitions: what each suite reads and how its expectations are built.

A suite validates one DataFrame read from the warehouse. It is named
`<layer>.<asset>.<severity>`, for example `marts.component_indicators.critical`.
A failed `critical` suite stops publication; a failed `warning` suite is
reported but does not.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import duckdb

from .._gx import Column, gxe
from ..results import describe_expectation

# Suites run layer by layer, in this order.
LAYERS = ("raw", "marts")
SEVERITIES = ("critical", "warning")

Expectation = gxe.Expectation
ExpectationBuilder = Callable[["WarehouseFacts"], list[Expectation]]


class FactUnavailableError(Exception):
    """A value that parameterises a suite could not be read from the warehouse."""


@dataclass(frozen=True)
class Suite:
    """A named set of expectations on one DataFrame read from the warehouse.

    The DataFrame is either `columns` of `table`, or the result of `query`
    when a check needs a join (for example answers with their question's scale).
    `row_key` lists the columns that name a failing row in messages.
    A suite with `partition_by` is read and validated in slices, each containing
    every row of a range of that column's values, so its memory stays bounded
    however large the table grows. Only expectations whose verdict on the whole
    DataFrame follows from their verdicts on such slices are allowed there:
    see `build_expectations`.
    """

    name: str
    build: ExpectationBuilder
    row_key: tuple[str, ...]
    table: str | None = None
    columns: tuple[str, ...] = ()
    query: str | None = None
    description: str = ""
    partition_by: str | None = None

    def __post_init__(self):
        parts = self.name.split(".")
        if len(parts) != 3 or parts[0] not in LAYERS or parts[2] not in SEVERITIES:
            raise ValueError(
                f"invalid suite name {self.name!r}: use <layer>.<asset>.<severity>"
                f" with a layer in {LAYERS} and a severity in {SEVERITIES}"
            )
        if (self.query is None) == (self.table is None):
            raise ValueError(f"suite {self.name!r} needs either a table or a query")
        if self.table is not None and not self.columns:
            raise ValueError(f"suite {self.name!r} reads a table: list its columns")
        if (
            self.partition_by is not None
            and self.table is not None
            and self.partition_by not in self.columns
        ):
            raise ValueError(
                f"suite {self.name!r} is partitioned by {self.partition_by!r}:"
                " add it to the columns it reads"
            )

    def build_expectations(self, facts: "WarehouseFacts") -> list[Expectation]:
        """Build the suite's expectations and check that slicing keeps their meaning.

        Raises ValueError, naming the suite and the expectation, when the
        suite has `partition_by` and an expectation would give another
        verdict on slices than on the whole DataFrame.
        """
        expectations = self.build(facts)
        if self.partition_by is None:
            return expectations
        for expectation in expectations:
            reason = _slice_unsafe_reason(expectation, self.partition_by)
            if reason is not None:
                raise ValueError(
                    f"suite {self.name!r} is validated in slices of"
                    f" {self.partition_by}, so it cannot contain"
                    f" {describe_expectation(expectation)}: {reason}"
                )
        return expectations

    @property
    def layer(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def severity(self) -> str:
        return self.name.rsplit(".", 1)[1]


# Expectations that judge each row alone, so a DataFrame passes exactly when
# every slice of it passes. Order-dependent ones such as
# ExpectColumnValuesToBeIncreasing are left out, because a slice boundary
# would hide a step between two slices.
ROW_EXPECTATIONS = (
    gxe.ExpectColumnValuesToNotBeNull,
    gxe.ExpectColumnValuesToBeNull,
    gxe.ExpectColumnValuesToBeBetween,
    gxe.ExpectColumnValuesToBeInSet,
    gxe.ExpectColumnValuesToNotBeInSet,
    gxe.ExpectColumnValuesToMatchRegex,
    gxe.ExpectColumnValuesToNotMatchRegex,
    gxe.ExpectColumnValueLengthsToBeBetween,
    gxe.ExpectColumnPairValuesAToBeGreaterThanB,
    gxe.ExpectColumnPairValuesToBeEqual,
    gxe.ExpectColumnPairValuesToBeInSet,
    gxe.ExpectSelectColumnValuesToBeUniqueWithinRecord,
    gxe.ExpectMulticolumnSumToEqual,
)


def _slice_unsafe_reason(expectation: Expectation, partition_by: str) -> str | None:
    """Return why slices of partition_by would change the verdict, or None."""
    if getattr(expectation, "mostly", 1) != 1:
        return "its mostly threshold is a share of the whole table"
    if isinstance(expectation, gxe.ExpectColumnValuesToBeUnique):
        if expectation.column != partition_by:
            return f"uniqueness across slices needs a key containing {partition_by}"
        return None
    if isinstance(expectation, gxe.ExpectCompoundColumnsToBeUnique):
        if partition_by not in expectation.column_list:
            return f"uniqueness across slices needs a key containing {partition_by}"
        return None
    if isinstance(expectation, ROW_EXPECTATIONS):
        return None
    return "it is not a check on each row alone"


@dataclass
class Registry:
    """Every suite, in the order they run and appear in the report."""

    suites: list[Suite] = field(default_factory=list)

    def add(self, suite: Suite) -> None:
        if any(known.name == suite.name for known in self.suites):
            raise ValueError(f"suite {suite.name!r} is defined twice")
        self.suites.append(suite)


REGISTRY = Registry()


def suite(
    name: str,
    *,
    row_key: Sequence[str],
    table: str | None = None,
    columns: Sequence[str] = (),
    query: str | None = None,
    partition_by: str | None = None,
) -> Callable[[ExpectationBuilder], ExpectationBuilder]:
    """Register the decorated function as the expectation builder of a suite.

    The function's docstring becomes the suite's description in the report.
    See Suite for partition_by.
    """

    def register(build: ExpectationBuilder) -> ExpectationBuilder:
        REGISTRY.add(
            Suite(
                name=name,
                build=build,
                row_key=tuple(row_key),
                table=table,
                columns=tuple(columns),
                query=query,
                description=(build.__doc__ or "").strip(),
                partition_by=partition_by,
            )
        )
        return build

    return register


class WarehouseFacts:
    """Values read from the warehouse that parameterise the suites.

    Each is read on first use, so a suite that does not need it still runs
    when it is missing.
    """

    def __init__(self, connection: duckdb.DuckDBPyConnection):
        self._connection = connection

    def _fetch(self, query: str, source: str) -> list[tuple]:
        try:
            return self._connection.execute(query).fetchall()
        except duckdb.Error as error:
            raise FactUnavailableError(f"could not read {source}: {error}") from error

    @cached_property
    def disclosure_threshold(self) -> int:
        """Minimum number of respondents of an unsuppressed cell."""
        rows = self._fetch(
            "select disclosure_threshold from marts.settings", "marts.settings"
        )
        if len(rows) != 1:
            raise FactUnavailableError(
                f"marts.settings has {len(rows)} rows: expected exactly one"
            )
        threshold = rows[0][0]
        if not isinstance(threshold, int) or isinstance(threshold, bool):
            raise FactUnavailableError(
                f"marts.settings.disclosure_threshold is {threshold!r}:"
                " expected a whole number"
            )
        return threshold

    @cached_property
    def component_ids(self) -> list[str]:
        """Component ids of the framework, from marts.components."""
        rows = self._fetch(
            "select distinct component_id from marts.components order by 1",
            "marts.components",
        )
        return [component_id for (component_id,) in rows]

    @cached_property
    def practice_components(self) -> list[tuple[str, str]]:
        """(practice_id, component_id) pairs of the framework, from marts.practices."""
        rows = self._fetch(
            "select distinct practice_id, component_id from marts.practices"
            " order by 1, 2",
            "marts.practices",
        )
        return [(practice_id, component_id) for practice_id, component_id in rows]


# Expectation helpers shared by the suites. Each takes a plain description,
# which the report shows next to the expectation.


def unique_key(columns: Sequence[str], description: str) -> list[Expectation]:
    """Expect every key column to be filled and the key to be unique."""
    expectations: list[Expectation] = [
        gxe.ExpectColumnValuesToNotBeNull(
            column=column, description=f"Every row has a {column}"
        )
        for column in columns
    ]
    if len(columns) == 1:
        expectations.append(
            gxe.ExpectColumnValuesToBeUnique(column=columns[0], description=description)
        )
    else:
        expectations.append(
            gxe.ExpectCompoundColumnsToBeUnique(
                column_list=list(columns), description=description
            )
        )
    return expectations


def not_null(column: str, description: str, row_condition=None) -> Expectation:
    return gxe.ExpectColumnValuesToNotBeNull(
        column=column, row_condition=row_condition, description=description
    )


def null(column: str, description: str, row_condition=None) -> Expectation:
    return gxe.ExpectColumnValuesToBeNull(
        column=column, row_condition=row_condition, description=description
    )


def between(
    column: str,
    description: str,
    min_value: float | None = None,
    max_value: float | None = None,
    row_condition=None,
) -> Expectation:
    """Expect the column's values, where present, to lie in min_value..max_value."""
    return gxe.ExpectColumnValuesToBeBetween(
        column=column,
        min_value=min_value,
        max_value=max_value,
        row_condition=row_condition,
        description=description,
    )


def percentages(columns: Sequence[str]) -> list[Expectation]:
    return [
        between(column, f"{column} is a percentage, 0 to 100", 0, 100)
        for column in columns
    ]


def in_set(
    column: str, values: Sequence, description: str, row_condition=None
) -> Expectation:
    return gxe.ExpectColumnValuesToBeInSet(
        column=column,
        value_set=list(values),
        row_condition=row_condition,
        description=description,
    )


def at_least(larger: str, smaller: str, description: str) -> Expectation:
    """Expect larger >= smaller on each row where either is present.

    A row with only one of the two values present fails, so a score without
    its interval bound is caught here.
    """
    return gxe.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A=larger,
        column_B=smaller,
        or_equal=True,
        ignore_row_if="both_values_are_missing",
        description=description,
    )


def equal(column_a: str, column_b: str, description: str) -> Expectation:
    """Expect two columns to match on each row where both are present."""
    return gxe.ExpectColumnPairValuesToBeEqual(
        column_A=column_a,
        column_B=column_b,
        ignore_row_if="either_value_is_missing",
        description=description,
    )


def is_true(column: str) -> object:
    """Return a row condition selecting the rows where a boolean column is true."""
    return Column(column) == True  # noqa: E712 (builds a GX condition)


def is_false(column: str) -> object:
    """Return a row condition selecting the rows where a boolean column is false."""
    return Column(column) == False  # noqa: E712 (builds a GX condition)
