"""Partitioned suites validated in slices, on real DuckDB files.

The good warehouse has 24 responses with one answer each. With SLICE_ROWS
set to 5, raw.answers.critical is read in 5 slices of response_seq.
"""

import duckdb
import pytest

import expectations.validation as validation
from expectations import validate_warehouse
from expectations._gx import gxe
from expectations.results import ExpectationOutcome, merge_outcomes
from expectations.suites import all_suites
from expectations.suites.base import Suite, WarehouseFacts

ANSWERS = "raw.answers.critical"


@pytest.fixture
def small_slices(monkeypatch):
    monkeypatch.setattr(validation, "SLICE_ROWS", 5)


def _answers_suite() -> Suite:
    return next(suite for suite in all_suites() if suite.name == ANSWERS)


def _answers_outcome(outcome):
    return next(suite for suite in outcome.suites if suite.name == ANSWERS)


def _expectation(suite_outcome, label: str) -> ExpectationOutcome:
    return next(
        expectation
        for expectation in suite_outcome.expectations
        if expectation.label == label
    )


def test_answers_suite_is_partitioned():
    assert _answers_suite().partition_by == "response_seq"


def test_slices_cover_whole_responses(small_slices, make_warehouse):
    database = make_warehouse(
        "insert into raw.answers values (5, 'pri-P1.4-a', 2, false)",
        "insert into raw.answers values (5, 'pri-P1.4-a', 2, false)",
    )
    suite = _answers_suite()

    with duckdb.connect(str(database), read_only=True) as connection:
        slices = validation._plan_slices(connection, suite, suite.query)

    bounds = [(part.lower, part.upper) for part in slices]
    # Response 5 has 3 answers, so its slice contains 6 rows.
    assert bounds == [(1, 4), (5, 8), (9, 13), (14, 18), (19, 23), (24, 24)]
    assert not any(part.is_null for part in slices)


def test_late_slice_failure_named(small_slices, make_warehouse, report_dir):
    database = make_warehouse(
        "update raw.answers set value = 0 where response_seq = 23"
    )

    outcome = validate_warehouse(database, report_dir, 1)

    assert outcome.success is False
    assert (
        "raw.answers.critical: ExpectColumnValuesToBeBetween(value, >= 1) failed"
        " on 1 row: response_seq=23 question_id=par-P2.1-a (value=0)"
    ) in outcome.failures


def test_duplicate_answer_in_response_fails(small_slices, make_warehouse, report_dir):
    database = make_warehouse(
        "insert into raw.answers values (23, 'par-P2.1-a', 2, false)"
    )

    outcome = validate_warehouse(database, report_dir, 1)

    assert outcome.success is False
    unique = _expectation(
        _answers_outcome(outcome),
        "ExpectCompoundColumnsToBeUnique(response_seq, question_id)",
    )
    assert unique.success is False
    assert unique.unexpected_count == 2
    assert unique.failing_rows == [
        "response_seq=23 question_id=par-P2.1-a",
        "response_seq=23 question_id=par-P2.1-a",
    ]


def test_counts_add_up_across_slices(
    small_slices, monkeypatch, make_warehouse, report_dir
):
    database = make_warehouse(
        "update raw.answers set value = 0 where response_seq in (2, 14, 23)"
    )

    sliced = _answers_outcome(validate_warehouse(database, report_dir, 1))
    monkeypatch.setattr(validation, "SLICE_ROWS", 1_000)
    whole = _answers_outcome(validate_warehouse(database, report_dir, 2))

    assert sliced.rows_read == 24
    assert whole.rows_read == 24
    between = _expectation(sliced, "ExpectColumnValuesToBeBetween(value, >= 1)")
    assert between.success is False
    assert between.element_count == 24
    assert between.unexpected_count == 3
    assert between.failing_rows == [
        "response_seq=2 question_id=pri-P1.4-a (value=0)",
        "response_seq=14 question_id=par-P2.1-a (value=0)",
        "response_seq=23 question_id=par-P2.1-a (value=0)",
    ]
    for in_slices, in_whole in zip(
        sliced.expectations, whole.expectations, strict=True
    ):
        assert in_slices.label == in_whole.label
        assert in_slices.success == in_whole.success, in_slices.label
        assert in_slices.element_count == in_whole.element_count, in_slices.label
        assert in_slices.unexpected_count == in_whole.unexpected_count, in_slices.label


def test_failing_rows_capped_across_slices(small_slices, make_warehouse, report_dir):
    database = make_warehouse(
        "update raw.answers set value = 0 where value is not null"
    )

    outcome = validate_warehouse(database, report_dir, 1)

    between = _expectation(
        _answers_outcome(outcome), "ExpectColumnValuesToBeBetween(value, >= 1)"
    )
    assert between.unexpected_count == 23
    assert len(between.failing_rows) == validation.MAX_LISTED_ROWS
    assert between.failing_rows[0] == "response_seq=1 question_id=pri-P1.4-a (value=0)"


def test_null_partition_value_validated(small_slices, make_warehouse, report_dir):
    database = make_warehouse(
        "insert into raw.answers values (null, 'pri-P1.4-a', 1, false)"
    )

    outcome = validate_warehouse(database, report_dir, 1)

    assert _answers_outcome(outcome).rows_read == 25
    assert outcome.success is False
    assert any(
        failure.startswith(
            "raw.answers.critical: ExpectColumnValuesToNotBeNull(response_seq)"
            " failed on 1 row"
        )
        for failure in outcome.failures
    ), outcome.failures


def test_empty_answers_pass(small_slices, make_warehouse, report_dir):
    database = make_warehouse("delete from raw.answers")

    outcome = validate_warehouse(database, report_dir, 1)

    answers = _answers_outcome(outcome)
    assert outcome.success is True
    assert answers.rows_read == 0
    assert answers.expectations
    for expectation in answers.expectations:
        assert expectation.success is True, expectation.label
        assert expectation.element_count == 0, expectation.label


def test_gx_error_in_late_slice_fails(
    small_slices, monkeypatch, make_warehouse, report_dir
):
    validate = validation._SliceValidator.validate
    slices_validated = []

    def fail_on_third_slice(self, frame):
        if self._suite.name == ANSWERS:
            slices_validated.append(len(frame))
            if len(slices_validated) == 3:
                raise RuntimeError("metric failed")
        return validate(self, frame)

    monkeypatch.setattr(validation._SliceValidator, "validate", fail_on_third_slice)

    outcome = validate_warehouse(make_warehouse(), report_dir, 1)

    assert outcome.success is False
    assert (
        "raw.answers.critical: GX could not run the suite (rows with response_seq"
        " 11 to 15): metric failed"
    ) in outcome.failures


def test_unreadable_late_slice_fails(
    small_slices, monkeypatch, make_warehouse, report_dir
):
    read_slice = validation._read_slice
    slices_read = []

    def fail_on_second_slice(connection, suite, source, part):
        if suite.name == ANSWERS:
            slices_read.append(part)
            if len(slices_read) == 2:
                raise duckdb.IOException("disk read failed")
        return read_slice(connection, suite, source, part)

    monkeypatch.setattr(validation, "_read_slice", fail_on_second_slice)

    outcome = validate_warehouse(make_warehouse(), report_dir, 1)

    assert outcome.success is False
    assert (
        "raw.answers.critical: could not read its data (rows with response_seq"
        " 6 to 10): disk read failed"
    ) in outcome.failures


def _partitioned_suite(*expectations) -> Suite:
    return Suite(
        name="raw.answers.critical",
        build=lambda facts: list(expectations),
        row_key=("response_seq", "question_id"),
        query="select 1 as response_seq",
        partition_by="response_seq",
    )


@pytest.mark.parametrize(
    ("expectation", "reason"),
    [
        (gxe.ExpectTableRowCountToEqual(value=1), "not a check on each row"),
        (
            gxe.ExpectColumnValuesToBeUnique(column="question_id"),
            "needs a key containing response_seq",
        ),
        (
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["question_id", "value"]),
            "needs a key containing response_seq",
        ),
        (
            gxe.ExpectColumnValuesToNotBeNull(column="value", mostly=0.9),
            "mostly threshold",
        ),
        (
            gxe.ExpectColumnValuesToBeIncreasing(column="response_seq"),
            "not a check on each row",
        ),
    ],
)
def test_slice_unsafe_expectation_rejected(expectation, reason):
    suite = _partitioned_suite(expectation)

    with pytest.raises(ValueError, match=reason) as raised:
        suite.build_expectations(None)

    assert "'raw.answers.critical'" in str(raised.value)
    assert type(expectation).__name__ in str(raised.value)


def test_slice_safe_expectations_accepted():
    expectations = [
        gxe.ExpectColumnValuesToBeUnique(column="response_seq"),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["response_seq", "value"]),
        gxe.ExpectColumnValuesToBeBetween(column="value", min_value=1),
    ]

    assert _partitioned_suite(*expectations).build_expectations(None) == expectations


def test_partitioned_suites_build(make_warehouse):
    database = make_warehouse()

    with duckdb.connect(str(database), read_only=True) as connection:
        facts = WarehouseFacts(connection)
        for suite in all_suites():
            if suite.partition_by is not None:
                assert suite.build_expectations(facts), suite.name


def test_partitioned_table_suite_reads_its_column():
    with pytest.raises(ValueError, match="add it to the columns it reads"):
        Suite(
            name="raw.answers.critical",
            build=lambda facts: [],
            row_key=("question_id",),
            table="raw.answers",
            columns=("question_id",),
            partition_by="response_seq",
        )


def test_unbuildable_partitioned_suite_fails(monkeypatch, make_warehouse, report_dir):
    rejected = _partitioned_suite(gxe.ExpectTableRowCountToEqual(value=24))
    monkeypatch.setattr(validation, "all_suites", lambda: [rejected])

    outcome = validate_warehouse(make_warehouse(), report_dir, 1)

    assert outcome.success is False
    assert outcome.failures[0].startswith(
        "raw.answers.critical: could not build the suite: suite"
        " 'raw.answers.critical' is validated in slices of response_seq"
    )


def _outcome(success, element_count, unexpected_count, rows=(), errors=()):
    return ExpectationOutcome(
        label="ExpectColumnValuesToBeBetween(value, >= 1)",
        description="Every answer value is at least 1",
        success=success,
        element_count=element_count,
        unexpected_count=unexpected_count,
        failing_rows=list(rows),
        errors=list(errors),
    )


def test_merge_sums_counts_and_keeps_rows():
    merged = merge_outcomes(
        [
            _outcome(True, 10, 0),
            _outcome(False, 10, 2, rows=["a", "b"], errors=["column missing"]),
            _outcome(False, 5, 1, rows=["c"], errors=["column missing", "other"]),
        ]
    )

    assert merged.success is False
    assert merged.element_count == 25
    assert merged.unexpected_count == 3
    assert merged.failing_rows == ["a", "b", "c"]
    assert merged.errors == ["column missing", "other"]


def test_merge_passes_only_when_every_slice_passes():
    assert merge_outcomes([_outcome(True, 3, 0), _outcome(True, 4, 0)]).success
    assert not merge_outcomes(
        [_outcome(True, 3, 0), _outcome(False, None, None)]
    ).success


def test_merge_caps_failing_rows():
    rows = [f"response_seq={seq}" for seq in range(15)]

    merged = merge_outcomes(
        [_outcome(False, 15, 15, rows=rows), _outcome(False, 15, 15, rows=rows)]
    )

    assert len(merged.failing_rows) == validation.MAX_LISTED_ROWS
    assert merged.failing_rows[15] == "response_seq=0"


def test_merge_of_nothing_rejected():
    with pytest.raises(ValueError, match="no slice outcomes"):
        merge_outcomes([])
