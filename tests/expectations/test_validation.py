"""validate_warehouse on real DuckDB files: the good warehouse and bad variants."""

import hashlib

import duckdb
import pytest

from expectations import validate_warehouse


def _failure_naming(outcome, *fragments: str) -> str | None:
    """Return the first failure line that contains every fragment."""
    for failure in outcome.failures:
        if all(fragment in failure for fragment in fragments):
            return failure
    return None


# The suites this package defines for the raw tables and the core marts,
# which the good warehouse fills with rows.
CORE_SUITES = (
    "raw.answers.critical",
    "raw.responses.critical",
    "raw.survey_windows.critical",
    "raw.questions.critical",
    "raw.question_ids.critical",
    "raw.practices.critical",
    "raw.scales.critical",
    "marts.settings.critical",
    "marts.component_indicators.critical",
    "marts.practice_indicators.critical",
    "marts.response_counts.critical",
    "marts.response_counts.warning",
)


def test_good_warehouse_passes(make_warehouse, report_dir):
    outcome = validate_warehouse(make_warehouse(), report_dir, 1)

    assert outcome.failures == []
    assert outcome.warnings == []
    assert outcome.success is True
    for suite in outcome.suites:
        assert suite.problems == [], suite.name
        assert suite.rows_read is not None, suite.name
        assert suite.expectations, suite.name
    rows_read = {suite.name: suite.rows_read for suite in outcome.suites}
    for name in CORE_SUITES:
        assert rows_read[name] > 0, name


def test_good_warehouse_runs_every_suite(make_warehouse, report_dir):
    outcome = validate_warehouse(make_warehouse(), report_dir, 1)

    names = [suite.name for suite in outcome.suites]
    for name in CORE_SUITES:
        assert name in names
    first_mart = names.index("marts.settings.critical")
    assert all(name.startswith("raw.") for name in names[:first_mart])
    assert all(name.startswith("marts.") for name in names[first_mart:])


COMPONENT_C1_ALL = (
    "school_id=1 academic_year=2024/25 stakeholder_group=pupil_primary"
    " key_stage=all component_id=C1"
)
PRACTICE_P21_PARENT = (
    "school_id=1 academic_year=2024/25 stakeholder_group=parent"
    " key_stage=all practice_id=P2.1"
)

# Each case: SQL that spoils the good warehouse, then fragments that one
# failure line must contain: the suite, the expectation and the row.
BAD_WAREHOUSES = [
    pytest.param(
        [
            "update marts.component_indicators set score = 104.5"
            " where key_stage = 'all' and component_id = 'C1'"
        ],
        [
            "marts.component_indicators.critical: ExpectColumnValuesToBeBetween"
            "(score, 0..100) failed on 1 row: ",
            f"{COMPONENT_C1_ALL} (score=104.5)",
        ],
        id="score-out-of-range",
    ),
    pytest.param(
        [
            "update marts.practice_indicators set ci_lower = 70"
            " where stakeholder_group = 'parent'"
        ],
        [
            "marts.practice_indicators.critical: ExpectColumnPairValuesAToBeGreater"
            "ThanB(score >= ci_lower) failed on 1 row: ",
            f"{PRACTICE_P21_PARENT} (score=62.5, ci_lower=70)",
        ],
        id="ci-lower-above-score",
    ),
    pytest.param(
        [
            "update marts.component_indicators set ci_upper = 49"
            " where key_stage = 'all' and component_id = 'C1'"
        ],
        [
            "ExpectColumnPairValuesAToBeGreaterThanB(ci_upper >= score) failed",
            f"{COMPONENT_C1_ALL} (ci_upper=49, score=50)",
        ],
        id="score-above-ci-upper",
    ),
    pytest.param(
        [
            "update marts.component_indicators set ci_lower = null"
            " where key_stage = 'all' and component_id = 'C1'"
        ],
        [
            "ExpectColumnValuesToNotBeNull(ci_lower, where is_suppressed == False)",
            COMPONENT_C1_ALL,
        ],
        id="score-without-interval",
    ),
    pytest.param(
        [
            "update marts.practice_indicators set pct_positive = -0.5"
            " where stakeholder_group = 'parent'"
        ],
        [
            "ExpectColumnValuesToBeBetween(pct_positive, 0..100) failed on 1 row",
            f"{PRACTICE_P21_PARENT} (pct_positive=-0.5)",
        ],
        id="pct-positive-negative",
    ),
    pytest.param(
        [
            "update marts.component_indicators set dont_know_rate = 100.5"
            " where stakeholder_group = 'parent'"
        ],
        ["ExpectColumnValuesToBeBetween(dont_know_rate, 0..100) failed on 1 row"],
        id="dont-know-rate-out-of-range",
    ),
    pytest.param(
        [
            "update marts.component_indicators set n_respondents = 7"
            " where key_stage = 'KS2'"
        ],
        [
            "marts.component_indicators.critical: ExpectColumnValuesToBeBetween"
            "(n_respondents, >= 10, where is_suppressed == False) failed on 1 row",
            "key_stage=KS2 component_id=C1 (n_respondents=7)",
        ],
        id="unsuppressed-below-threshold",
    ),
    pytest.param(
        ["update marts.settings set disclosure_threshold = 11"],
        [
            "marts.component_indicators.critical: ExpectColumnValuesToBeBetween"
            "(n_respondents, >= 11, where"
            " is_suppressed == False) failed on 1 row",
            "key_stage=KS2 component_id=C1 (n_respondents=10)",
        ],
        id="threshold-read-from-settings",
    ),
    pytest.param(
        ["update marts.response_counts set n_responses = 4 where key_stage = 'KS2'"],
        [
            "marts.response_counts.critical: ExpectColumnValuesToBeBetween"
            "(n_responses, >= 10, where is_suppressed == False) failed on 1 row",
            "key_stage=KS2 (n_responses=4)",
        ],
        id="response-count-below-threshold",
    ),
    pytest.param(
        ["update marts.component_indicators set score = 12.5 where is_suppressed"],
        [
            "ExpectColumnValuesToBeNull(score, where is_suppressed == True)"
            " failed on 1 row",
            "key_stage=not_stated component_id=C1 (score=12.5)",
        ],
        id="suppressed-row-shows-score",
    ),
    pytest.param(
        ["update marts.practice_indicators set n_respondents = 3 where is_suppressed"],
        [
            "marts.practice_indicators.critical: ExpectColumnValuesToBeNull"
            "(n_respondents, where is_suppressed == True) failed on 1 row",
            "key_stage=not_stated practice_id=P1.4 (n_respondents=3)",
        ],
        id="suppressed-row-shows-n",
    ),
    pytest.param(
        ["update marts.response_counts set response_rate = 1.5 where is_suppressed"],
        ["ExpectColumnValuesToBeNull(response_rate, where is_suppressed == True)"],
        id="suppressed-count-shows-rate",
    ),
    pytest.param(
        [
            "update marts.component_indicators set suppression_reason = 'tiny'"
            " where is_suppressed"
        ],
        [
            "ExpectColumnValuesToBeInSet(suppression_reason, in {below_threshold,"
            " complementary}, where is_suppressed == True) failed on 1 row",
        ],
        id="unknown-suppression-reason",
    ),
    pytest.param(
        [
            "update marts.component_indicators set suppression_reason = null"
            " where is_suppressed"
        ],
        ["ExpectColumnValuesToNotBeNull(suppression_reason, where is_suppressed"],
        id="suppressed-without-reason",
    ),
    pytest.param(
        ["update marts.component_indicators set is_suppressed = null"],
        ["ExpectColumnValuesToNotBeNull(is_suppressed) failed on 4 rows"],
        id="suppression-flag-missing",
    ),
    pytest.param(
        [
            "update marts.practice_indicators set practice_id = 'P9.9'"
            " where stakeholder_group = 'parent'"
        ],
        [
            "marts.practice_indicators.critical: ExpectColumnValuesToBeInSet"
            "(practice_id, in {P1.1, P1.4, P2.1}) failed on 1 row",
            "stakeholder_group=parent key_stage=all practice_id=P9.9",
        ],
        id="unknown-practice",
    ),
    pytest.param(
        [
            "update marts.practice_indicators set component_id = 'C1'"
            " where stakeholder_group = 'parent'"
        ],
        [
            "ExpectColumnPairValuesToBeInSet(practice_id, component_id, in"
            " {(P1.1, C1), (P1.4, C1), (P2.1, C2)}) failed on 1 row",
            f"{PRACTICE_P21_PARENT} (component_id=C1)",
        ],
        id="practice-under-wrong-component",
    ),
    pytest.param(
        [
            "update marts.component_indicators set component_id = 'C8'"
            " where stakeholder_group = 'parent'"
        ],
        [
            "marts.component_indicators.critical: ExpectColumnValuesToBeInSet"
            "(component_id, in {C1, C2}) failed on 1 row",
            "component_id=C8",
        ],
        id="unknown-component",
    ),
    pytest.param(
        [
            "insert into marts.component_indicators"
            " select * from marts.component_indicators"
            " where stakeholder_group = 'parent'"
        ],
        [
            "marts.component_indicators.critical: ExpectCompoundColumnsToBeUnique"
            "(school_id, academic_year, stakeholder_group, key_stage, component_id)"
            " failed on 2 rows",
            "stakeholder_group=parent key_stage=all component_id=C2",
        ],
        id="duplicate-key",
    ),
    pytest.param(
        [
            "update marts.response_counts set academic_year = null"
            " where stakeholder_group = 'parent'"
        ],
        [
            "marts.response_counts.critical: ExpectColumnValuesToNotBeNull"
            "(academic_year) failed on 1 row",
        ],
        id="incomplete-key",
    ),
    pytest.param(
        [
            "update marts.component_indicators set key_stage = 'KS9'"
            " where key_stage = 'KS2'"
        ],
        [
            "ExpectColumnValuesToBeInSet(key_stage, in {all, KS1, KS2, KS3, KS4,"
            " KS5, not_stated}) failed on 1 row",
            "key_stage=KS9",
        ],
        id="unknown-key-stage",
    ),
    pytest.param(
        [
            "update marts.practice_indicators set key_stage = 'KS2'"
            " where stakeholder_group = 'parent'"
        ],
        [
            "ExpectColumnValuesToBeInSet(key_stage, in {all}, where"
            " stakeholder_group NOT_IN (pupil_primary, pupil_secondary))"
            " failed on 1 row",
            "stakeholder_group=parent key_stage=KS2",
        ],
        id="parents-split-by-key-stage",
    ),
    pytest.param(
        [
            "update marts.response_counts set stakeholder_group = 'teachers'"
            " where stakeholder_group = 'parent'"
        ],
        [
            "marts.response_counts.critical: ExpectColumnValuesToBeInSet"
            "(stakeholder_group, in {pupil_primary, pupil_secondary, parent,"
            " staff, governor}) failed on 1 row",
            "stakeholder_group=teachers",
        ],
        id="unknown-stakeholder-group",
    ),
    pytest.param(
        [
            "update marts.component_indicators set cronbach_alpha = 1.2"
            " where stakeholder_group = 'parent'"
        ],
        [
            "ExpectColumnValuesToBeBetween(cronbach_alpha, <= 1) failed on 1 row",
            "component_id=C2 (cronbach_alpha=1.2)",
        ],
        id="cronbach-alpha-above-1",
    ),
    pytest.param(
        ["insert into marts.settings values (10, '')"],
        [
            "marts.settings.critical: ExpectTableRowCountToEqual(= 1) failed:"
            " observed 2",
        ],
        id="settings-with-two-rows",
    ),
    pytest.param(
        ["update marts.settings set disclosure_threshold = 3"],
        [
            "marts.settings.critical: ExpectColumnValuesToBeBetween"
            "(disclosure_threshold, >= 5) failed on 1 row",
        ],
        id="threshold-below-5",
    ),
    pytest.param(
        ["update raw.answers set value = 4 where response_seq = 1"],
        [
            "raw.answers.critical: ExpectColumnPairValuesAToBeGreaterThanB"
            "(scale_points >= value) failed on 1 row: response_seq=1"
            " question_id=pri-P1.4-a (scale_points=3, value=4)",
        ],
        id="answer-above-its-scale",
    ),
    pytest.param(
        ["update raw.answers set value = 0 where response_seq = 13"],
        [
            "raw.answers.critical: ExpectColumnValuesToBeBetween(value, >= 1)"
            " failed on 1 row: response_seq=13 question_id=par-P2.1-a (value=0)",
        ],
        id="answer-below-its-scale",
    ),
    pytest.param(
        ["update raw.answers set value = 2 where response_seq = 12"],
        [
            "raw.answers.critical: ExpectColumnValuesToBeNull(value, where"
            " is_dont_know == True) failed on 1 row: response_seq=12",
        ],
        id="dont-know-with-value",
    ),
    pytest.param(
        ["update raw.answers set value = null where response_seq = 1"],
        [
            "ExpectColumnValuesToNotBeNull(value, where is_dont_know == False)"
            " failed on 1 row: response_seq=1",
        ],
        id="answer-without-value",
    ),
    pytest.param(
        [
            "update raw.answers set value = null, is_dont_know = true"
            " where response_seq = 13"
        ],
        [
            "ExpectColumnValuesToNotBeNull(dont_know_label, where is_dont_know =="
            " True) failed on 1 row: response_seq=13",
        ],
        id="dont-know-on-scale-without-it",
    ),
    pytest.param(
        ["update raw.answers set question_id = 'pri-P9.9-a' where response_seq = 1"],
        [
            "raw.answers.critical: ExpectColumnValuesToNotBeNull(known_question_id)"
            " failed on 1 row: response_seq=1 question_id=pri-P9.9-a",
        ],
        id="answer-to-unknown-question",
    ),
    pytest.param(
        ["update raw.answers set question_id = 'par-P2.1-a' where response_seq = 1"],
        [
            "ExpectColumnPairValuesToBeEqual(question_group, response_group)"
            " failed on 1 row: response_seq=1 question_id=par-P2.1-a",
        ],
        id="answer-to-another-groups-question",
    ),
    pytest.param(
        ["insert into raw.answers values (99, 'pri-P1.4-a', 1, false)"],
        [
            "ExpectColumnValuesToNotBeNull(response_id) failed on 1 row:"
            " response_seq=99",
        ],
        id="answer-without-response",
    ),
    pytest.param(
        [
            "update raw.responses set response_id = "
            "'00000000-0000-4000-8000-000000000001' where response_seq = 2"
        ],
        [
            "raw.responses.critical: ExpectColumnValuesToBeUnique(response_id)"
            " failed on 2 rows: response_seq=1",
        ],
        id="duplicate-response-id",
    ),
    pytest.param(
        ["update raw.responses set response_id = null where response_seq = 5"],
        [
            "raw.responses.critical: ExpectColumnValuesToNotBeNull(response_id)"
            " failed on 1 row: response_seq=5 window_id=1",
        ],
        id="missing-response-id",
    ),
    pytest.param(
        ["update raw.responses set submitted_on = '2025-09-02' where response_seq = 3"],
        [
            "raw.responses.critical: ExpectColumnPairValuesToBeEqual"
            "(submitted_academic_year, window_academic_year) failed on 1 row:"
            " response_seq=3 window_id=1 (submitted_academic_year=2025/26,"
            " window_academic_year=2024/25)",
        ],
        id="response-outside-academic-year",
    ),
    pytest.param(
        ["update raw.responses set window_id = 7 where response_seq = 4"],
        [
            "ExpectColumnValuesToNotBeNull(window_academic_year) failed on 1 row:"
            " response_seq=4 window_id=7",
        ],
        id="response-to-unknown-window",
    ),
    pytest.param(
        ["update raw.survey_windows set academic_year = '2023/24'"],
        [
            "raw.survey_windows.critical: ExpectColumnPairValuesToBeEqual"
            "(opens_academic_year, academic_year) failed on 1 row: window_id=1"
            " school_id=1 academic_year=2023/24",
        ],
        id="window-labelled-with-wrong-year",
    ),
    pytest.param(
        ["update raw.survey_windows set academic_year = '2024-25'"],
        ["ExpectColumnValuesToMatchRegex(academic_year, matches ^\\d{4}/\\d{2}$)"],
        id="window-year-badly-labelled",
    ),
    pytest.param(
        [
            "update raw.questions set practice_id = 'P9.9'"
            " where stakeholder_group = 'parent'"
        ],
        [
            "raw.questions.critical: ExpectColumnValuesToNotBeNull"
            "(framework_practice_id) failed on 1 row: bank_version=2024.1"
            " question_id=par-P2.1-a",
        ],
        id="question-of-unknown-practice",
    ),
    pytest.param(
        ["update raw.practices set component_id = 'C9' where practice_id = 'P2.1'"],
        [
            "raw.practices.critical: ExpectColumnValuesToNotBeNull"
            "(known_component_id) failed on 1 row: framework_version=1"
            " practice_id=P2.1 component_id=C9",
        ],
        id="practice-of-unknown-component",
    ),
    pytest.param(
        [
            "insert into raw.question_bank_versions values"
            " ('2025.1', 1, repeat('c', 64), '2025-08-01 09:00:00')",
            "insert into raw.scales select '2025.1', * exclude (bank_version)"
            " from raw.scales",
            "insert into raw.bank_groups select '2025.1', * exclude (bank_version)"
            " from raw.bank_groups",
            "insert into raw.questions values ('2025.1', 'pri-P1.4-a',"
            " 'pupil_primary', 'P1.4', 1, 'I feel safe in the playground.')",
        ],
        [
            "raw.question_ids.critical: ExpectColumnValuesToBeUnique(question_id)"
            " failed on 2 rows: question_id=pri-P1.4-a",
        ],
        id="question-id-reworded",
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize(("changes", "fragments"), BAD_WAREHOUSES)
def test_bad_warehouse_fails(make_warehouse, report_dir, changes, fragments):
    outcome = validate_warehouse(make_warehouse(*changes), report_dir, 2)

    assert outcome.success is False
    assert _failure_naming(outcome, *fragments), "\n".join(outcome.failures)


def test_missing_column_fails_with_gx_error(make_warehouse, report_dir):
    database = make_warehouse(
        "alter table marts.component_indicators drop column ci_upper"
    )

    outcome = validate_warehouse(database, report_dir, 3)

    assert outcome.success is False
    assert _failure_naming(
        outcome,
        "marts.component_indicators.critical: marts.component_indicators has no"
        " column ci_upper",
    ), outcome.failures
    assert _failure_naming(
        outcome,
        "marts.component_indicators.critical: ExpectColumnValuesToBeBetween"
        "(ci_upper, 0..100) raised an error:",
        'The column "ci_upper" in BatchData does not exist',
    ), outcome.failures


def test_wrong_column_type_fails_with_gx_error(make_warehouse, report_dir):
    database = make_warehouse(
        "alter table marts.practice_indicators alter score type varchar"
    )

    outcome = validate_warehouse(database, report_dir, 3)

    assert outcome.success is False
    assert _failure_naming(
        outcome,
        "marts.practice_indicators.critical: ExpectColumnValuesToBeBetween"
        "(score, 0..100) raised an error:",
    ), outcome.failures


def test_missing_table_fails(make_warehouse, report_dir):
    database = make_warehouse("drop table marts.response_counts")

    outcome = validate_warehouse(database, report_dir, 3)

    assert outcome.success is False
    assert _failure_naming(
        outcome,
        "marts.response_counts.critical: could not read its data:",
        "table marts.response_counts not found",
    ), outcome.failures


def test_missing_raw_column_fails(make_warehouse, report_dir):
    database = make_warehouse("alter table raw.answers drop column is_dont_know")

    outcome = validate_warehouse(database, report_dir, 3)

    assert outcome.success is False
    assert _failure_naming(
        outcome, "raw.answers.critical: could not read its data:", "is_dont_know"
    ), outcome.failures


def test_unreadable_settings_fail_dependent_suites(make_warehouse, report_dir):
    database = make_warehouse("insert into marts.settings values (10, '')")

    outcome = validate_warehouse(database, report_dir, 3)

    assert outcome.success is False
    assert _failure_naming(
        outcome,
        "marts.component_indicators.critical: could not build the suite:",
        "marts.settings has 2 rows: expected exactly one",
    ), outcome.failures


def test_missing_database_fails(tmp_path, report_dir):
    missing = tmp_path / "no-such-warehouse.duckdb"

    outcome = validate_warehouse(missing, report_dir, 4)

    assert outcome.success is False
    assert outcome.failures
    assert all("could not open" in failure for failure in outcome.failures)
    assert not missing.exists()
    assert outcome.report_path.exists()


def test_database_locked_by_writer_fails(make_warehouse, report_dir):
    database = make_warehouse()

    with duckdb.connect(str(database)):
        outcome = validate_warehouse(database, report_dir, 4)

    assert outcome.success is False
    assert _failure_naming(outcome, "could not open", str(database))


def test_database_left_unchanged(make_warehouse, report_dir):
    database = make_warehouse()
    before = hashlib.sha256(database.read_bytes()).hexdigest()

    validate_warehouse(database, report_dir, 5)

    assert hashlib.sha256(database.read_bytes()).hexdigest() == before
    assert not database.with_name(database.name + ".wal").exists()


def test_database_open_read_only_elsewhere_passes(make_warehouse, report_dir):
    database = make_warehouse()

    with duckdb.connect(str(database), read_only=True):
        outcome = validate_warehouse(database, report_dir, 5)

    assert outcome.success is True


def test_empty_marts_pass(make_warehouse, report_dir):
    database = make_warehouse(
        "delete from marts.component_indicators",
        "delete from marts.practice_indicators",
        "delete from marts.response_counts",
    )

    outcome = validate_warehouse(database, report_dir, 6)

    assert outcome.failures == []
    assert outcome.success is True


def test_warning_does_not_stop_publication(make_warehouse, report_dir):
    database = make_warehouse(
        "update marts.response_counts set response_rate = 120.0"
        " where stakeholder_group = 'parent'"
    )

    outcome = validate_warehouse(database, report_dir, 7)

    assert outcome.success is True
    assert outcome.failures == []
    assert outcome.warnings == [
        "marts.response_counts.warning: ExpectColumnValuesToBeBetween"
        "(response_rate, <= 100) failed on 1 row: school_id=1"
        " academic_year=2024/25 stakeholder_group=parent key_stage=all"
        " (response_rate=120)"
    ]


@pytest.mark.parametrize("run_id", ["../escape", "", "a b", "run/1", ".hidden"])
def test_unsafe_run_id_rejected(make_warehouse, report_dir, run_id):
    with pytest.raises(ValueError, match="invalid run_id"):
        validate_warehouse(make_warehouse(), report_dir, run_id)

    assert not report_dir.exists()
