"""Conversion of GX results into outcomes: exceptions always count as failures."""

import pytest

from expectations._gx import ExpectationValidationResult, gxe
from expectations.results import (
    convert_result,
    describe_expectation,
    raised_exception_messages,
)
from expectations.suites.base import is_false

NO_EXCEPTION = {
    "raised_exception": False,
    "exception_traceback": None,
    "exception_message": None,
}


def _result(success, exception_info, result=None) -> ExpectationValidationResult:
    return ExpectationValidationResult(
        success=success, result=result or {}, exception_info=exception_info
    )


@pytest.mark.parametrize(
    ("exception_info", "expected"),
    [
        (None, []),
        ({}, []),
        (NO_EXCEPTION, []),
        (
            {
                "raised_exception": True,
                "exception_message": "column missing",
                "exception_traceback": "...",
            },
            ["column missing"],
        ),
        (
            {
                "metric one": {
                    "raised_exception": True,
                    "exception_message": "first",
                },
                "metric two": {
                    "raised_exception": True,
                    "exception_message": "first",
                },
                "metric three": {
                    "raised_exception": True,
                    "exception_message": None,
                },
            },
            ["first", "no message"],
        ),
        ({"metric": "text"}, ["unrecognised exception_info 'text'"]),
        ("text", ["unrecognised exception_info 'text'"]),
    ],
)
def test_raised_exception_messages(exception_info, expected):
    assert raised_exception_messages(exception_info) == expected


def test_success_with_exception_counts_as_failure():
    expectation = gxe.ExpectColumnValuesToNotBeNull(column="score")
    result = _result(
        True,
        {"raised_exception": True, "exception_message": "fetch after close"},
    )

    outcome = convert_result(expectation, result, ("school_id",))

    assert outcome.success is False
    assert outcome.errors == ["fetch after close"]
    assert outcome.message() == (
        "ExpectColumnValuesToNotBeNull(score) raised an error: fetch after close"
    )


def test_success_without_exception_passes():
    expectation = gxe.ExpectColumnValuesToNotBeNull(column="score")

    outcome = convert_result(expectation, _result(True, NO_EXCEPTION), ())

    assert outcome.success is True
    assert outcome.errors == []


def test_unknown_success_counts_as_failure():
    expectation = gxe.ExpectColumnValuesToNotBeNull(column="score")

    outcome = convert_result(expectation, _result(None, NO_EXCEPTION), ())

    assert outcome.success is False


def test_failing_rows_named_by_key():
    expectation = gxe.ExpectColumnValuesToBeBetween(
        column="score", min_value=0, max_value=100
    )
    details = {
        "element_count": 9,
        "unexpected_count": 7,
        "partial_unexpected_index_list": [
            {"score": 104.5, "school_id": "3", "component_id": "C2"},
            {"score": float("nan"), "school_id": "4", "component_id": "C1"},
        ],
    }

    outcome = convert_result(
        expectation,
        _result(False, NO_EXCEPTION, details),
        ("school_id", "component_id"),
    )

    assert outcome.failing_rows == [
        "school_id=3 component_id=C2 (score=104.5)",
        "school_id=4 component_id=C1 (score=null)",
    ]
    assert outcome.message() == (
        "ExpectColumnValuesToBeBetween(score, 0..100) failed on 7 rows:"
        " school_id=3 component_id=C2 (score=104.5);"
        " school_id=4 component_id=C1 (score=null); and 5 more"
    )


@pytest.mark.parametrize(
    ("expectation", "label"),
    [
        (
            gxe.ExpectColumnValuesToBeBetween(
                column="score", min_value=0, max_value=100
            ),
            "ExpectColumnValuesToBeBetween(score, 0..100)",
        ),
        (
            gxe.ExpectColumnValuesToBeBetween(
                column="n_respondents", min_value=10, row_condition=is_false("hidden")
            ),
            "ExpectColumnValuesToBeBetween(n_respondents, >= 10,"
            " where hidden == False)",
        ),
        (
            gxe.ExpectColumnValuesToBeBetween(column="alpha", max_value=1.0),
            "ExpectColumnValuesToBeBetween(alpha, <= 1)",
        ),
        (
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="score", column_B="ci_lower", or_equal=True
            ),
            "ExpectColumnPairValuesAToBeGreaterThanB(score >= ci_lower)",
        ),
        (
            gxe.ExpectCompoundColumnsToBeUnique(column_list=["a", "b"]),
            "ExpectCompoundColumnsToBeUnique(a, b)",
        ),
        (
            gxe.ExpectColumnValuesToBeInSet(column="k", value_set=["x", "y"]),
            "ExpectColumnValuesToBeInSet(k, in {x, y})",
        ),
        (
            gxe.ExpectColumnValuesToBeInSet(column="k", value_set=list("abcdefgh")),
            "ExpectColumnValuesToBeInSet(k, in 8 known values)",
        ),
        (
            gxe.ExpectTableRowCountToEqual(value=1),
            "ExpectTableRowCountToEqual(= 1)",
        ),
    ],
)
def test_describe_expectation(expectation, label):
    assert describe_expectation(expectation) == label
