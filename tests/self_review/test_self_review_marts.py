"""The self-review marts, built by real dbt runs on hand-made raw warehouses.

Comparison: four schools' staff answer two practices with distributions
chosen so that a 95% interval bound lands 0.0007 to 0.0012 either side of
the self-review score (the bounds below were computed by hand from the
counts, with the t quantiles of the seed). Every other staff answer is the
middle of the scale, so each component of C7 has no spread and its interval
is exactly its score, equal to the self-review score of 50.0.

Impact: one school surveyed in 2024/25 and 2025/26, with next steps for each
status. Expected figures are recomputed here from the answers, with scipy's
t quantile at the exact Welch degrees of freedom.
"""

import csv
import math
import shutil
import statistics

import duckdb
import pytest
from scipy.stats import t as student_t

from .warehouse import (
    DBT_PROJECT,
    SelfReviewWarehouse,
    fetch_dicts,
    load_bank,
    practice_components,
    question_ids,
    run_dbt,
)

pytestmark = [pytest.mark.dbt, pytest.mark.slow]

SCALE_SCORES = (0, 25, 50, 75, 100)
MIDDLE = 3
# Every staff member answers P4.5 with 4 and, unless varied, the rest with 3:
# five or more equal answers would flag the response as straight-lining,
# which leaves it out of every figure.
ANCHOR_PRACTICE, ANCHOR_ANSWER = "P4.5", 4

# school_id: (staff respondents, {practice: respondents answering 1..5}).
EDGE_SCHOOLS = {
    11: (24, {"P1.1": (5, 9, 1, 0, 9), "P1.2": (5, 8, 1, 1, 9)}),
    12: (14, {"P1.1": (2, 7, 1, 0, 4), "P1.2": (1, 6, 1, 1, 5)}),
    13: (29, {"P1.1": (0, 3, 8, 1, 17), "P1.2": (13, 11, 2, 1, 2)}),
    14: (36, {"P1.1": (0, 6, 7, 1, 22), "P1.2": (16, 15, 1, 0, 4)}),
}
# P1.1 is rated established (66.7) and P1.2 emerging (33.3) everywhere.
EDGE_CASES = [
    # (school, practice, bound, hand-computed value, expected reading)
    (11, "P1.1", "ci_upper", 66.6993, "blind_spot"),
    (11, "P1.2", "ci_lower", 33.3007, "hidden_strength"),
    (12, "P1.1", "ci_upper", 66.7007, "no_clear_gap"),
    (12, "P1.2", "ci_lower", 33.2993, "no_clear_gap"),
    (13, "P1.1", "ci_lower", 66.7007, "hidden_strength"),
    (13, "P1.2", "ci_upper", 33.2993, "blind_spot"),
    (14, "P1.1", "ci_lower", 66.6988, "no_clear_gap"),
    (14, "P1.2", "ci_upper", 33.3012, "no_clear_gap"),
]
# C7's practices: three emerging and three established, mean level 1.5.
C7_LEVELS = {"P7.1": 1, "P7.2": 1, "P7.3": 1, "P7.4": 2, "P7.5": 2, "P7.6": 2}

IMPACT_SCHOOL = 21
BASELINE_YEAR = "2024/25"
FOLLOW_UP_YEAR = "2025/26"
# Staff answers to P3.1 per year: a clear rise.
P3_1_ANSWERS = {
    BASELINE_YEAR: (1, 2, 2, 2, 2, 2, 2, 3, 3, 4, 4, 1),
    FOLLOW_UP_YEAR: (2, 3, 3, 3, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5),
}
# Staff answers to each practice of C2 per year: a small change with spread.
C2_ANSWERS = {
    BASELINE_YEAR: (2, 3, 4, 3, 2, 4, 3, 3, 4, 2, 3, 4),
    FOLLOW_UP_YEAR: (3, 3, 4, 4, 2, 4, 3, 3, 4, 2, 3, 4, 5, 2, 3),
}


def expand(counts) -> list[int]:
    """Turn counts of answers 1..5 into one answer per respondent."""
    return [value for value, count in enumerate(counts, start=1) for _ in range(count)]


def seed_t_quantile(degrees_of_freedom: int) -> float:
    with (DBT_PROJECT / "seeds" / "t_quantiles.csv").open() as seed:
        for row in csv.DictReader(seed):
            if int(row["degrees_of_freedom"]) == degrees_of_freedom:
                return float(row["t_975"])
    raise KeyError(degrees_of_freedom)


def cell(scores: list[float]) -> dict:
    """Return n, mean, sd and the 95% t interval of respondents' scores."""
    n = len(scores)
    mean = statistics.fmean(scores)
    sd = statistics.stdev(scores)
    half_width = seed_t_quantile(n - 1) * sd / math.sqrt(n)
    return {
        "n": n,
        "mean": mean,
        "sd": sd,
        "ci_lower": round(mean - half_width, 4),
        "ci_upper": round(mean + half_width, 4),
    }


def reading(self_score: float, ci_lower: float, ci_upper: float) -> str:
    if ci_upper < self_score:
        return "blind_spot"
    if ci_lower > self_score:
        return "hidden_strength"
    return "no_clear_gap"


def staff_answers(n: int, varied: dict[str, list[int]]) -> list[dict[str, int]]:
    """Return n staff respondents' answers per practice: varied ones, else fixed."""
    fixed = dict.fromkeys(practice_components(), MIDDLE)
    fixed[ANCHOR_PRACTICE] = ANCHOR_ANSWER
    return [
        {
            practice_id: varied[practice_id][index]
            if practice_id in varied
            else fixed[practice_id]
            for practice_id in fixed
        }
        for index in range(n)
    ]


def agreeing_answers(questions: dict[str, list[str]]) -> dict[str, int]:
    """Answer every question with Agree or Strongly agree, alternately."""
    ids = [question_id for ids in questions.values() for question_id in ids]
    return {question_id: 4 + index % 2 for index, question_id in enumerate(ids)}


def add_staff_responses(warehouse, window_id, respondents, questions) -> None:
    for answers in respondents:
        warehouse.add_response(
            window_id,
            "staff",
            {
                question_id: answers[practice_id]
                for practice_id, ids in questions.items()
                for question_id in ids
            },
        )


def self_review_levels() -> dict[str, int]:
    levels = {practice_id: 2 for practice_id in practice_components()}
    levels["P1.2"] = 1
    levels.update(C7_LEVELS)
    return levels


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    """Build the project once on the comparison and impact schools."""
    work_dir = tmp_path_factory.mktemp("self_review_marts")
    database = work_dir / "warehouse.duckdb"
    warehouse = SelfReviewWarehouse(database)
    warehouse.add_framework()
    bank = load_bank()
    warehouse.add_bank(bank)
    staff_questions = question_ids(bank, "staff")
    parent_questions = question_ids(bank, "parent")
    respondents: dict[int, list[dict[str, int]]] = {}

    for school_id, (n, distributions) in EDGE_SCHOOLS.items():
        warehouse.add_school(school_id, f"Edge school {school_id}")
        window_id = school_id * 10
        warehouse.add_window(window_id, school_id, BASELINE_YEAR)
        warehouse.add_link(window_id, "staff")
        warehouse.add_link(window_id, "parent")
        warehouse.add_link(window_id, "governor")
        varied = {
            practice: expand(counts) for practice, counts in distributions.items()
        }
        respondents[school_id] = staff_answers(n, varied)
        add_staff_responses(
            warehouse, window_id, respondents[school_id], staff_questions
        )
        # Five parents: below the disclosure threshold of 10. No governor answers.
        for _ in range(5):
            warehouse.add_response(
                window_id, "parent", agreeing_answers(parent_questions)
            )
        warehouse.add_self_review(school_id, BASELINE_YEAR, self_review_levels())

    warehouse.add_school(IMPACT_SCHOOL, "Two-year school")
    impact_respondents = {}
    for window_id, year in ((211, BASELINE_YEAR), (212, FOLLOW_UP_YEAR)):
        warehouse.add_window(window_id, IMPACT_SCHOOL, year)
        warehouse.add_link(window_id, "staff")
        warehouse.add_link(window_id, "parent")
        n = len(P3_1_ANSWERS[year])
        varied = {"P3.1": list(P3_1_ANSWERS[year])}
        for practice_id, component_id in practice_components().items():
            if component_id == "C2":
                varied[practice_id] = list(C2_ANSWERS[year])
        impact_respondents[year] = staff_answers(n, varied)
        add_staff_responses(
            warehouse, window_id, impact_respondents[year], staff_questions
        )
        # Twelve parents in the first year, six (suppressed) in the second.
        for _ in range(12 if year == BASELINE_YEAR else 6):
            warehouse.add_response(
                window_id, "parent", agreeing_answers(parent_questions)
            )
    # Governors answer only in the first year, secondary pupils only in the second.
    warehouse.add_link(211, "governor")
    governor_questions = question_ids(bank, "governor")
    for _ in range(11):
        warehouse.add_response(211, "governor", agreeing_answers(governor_questions))
    warehouse.add_link(212, "pupil_secondary")
    pupil_questions = question_ids(bank, "pupil_secondary")
    for _ in range(10):
        warehouse.add_response(
            212,
            "pupil_secondary",
            agreeing_answers(pupil_questions),
            year_group=8,
        )
    for next_step_id, target_id, group in (
        (1, "P3.1", "staff"),
        (2, "C2", "staff"),
        (3, "P1.1", "parent"),
        (4, "P1.2", "parent"),
        (5, "C4", "governor"),
        (6, "C5", "pupil_secondary"),
    ):
        warehouse.add_next_step(
            next_step_id, IMPACT_SCHOOL, BASELINE_YEAR, target_id, group
        )
    warehouse.close()

    result = run_dbt(database, work_dir, "build")
    assert result.returncode == 0, result.stdout[-4000:]
    return {
        "database": database,
        "respondents": respondents,
        "impact_respondents": impact_respondents,
    }


def comparisons(built, school_id: int) -> dict[tuple[str, str], dict]:
    rows = fetch_dicts(
        built["database"],
        "select * from marts.self_review_comparisons where school_id = ?",
        [school_id],
    )
    return {(row["indicator_id"], row["stakeholder_group"]): row for row in rows}


@pytest.mark.parametrize(
    ("school_id", "practice_id", "bound", "value", "expected"), EDGE_CASES
)
def test_reading_around_interval_edges(
    built, school_id, practice_id, bound, value, expected
):
    row = comparisons(built, school_id)[practice_id, "staff"]

    assert row[bound] == pytest.approx(value, abs=1e-9)
    assert row["gap_reading"] == expected
    assert row["is_suppressed"] is False


@pytest.mark.parametrize("school_id", sorted(EDGE_SCHOOLS))
def test_reading_with_bounds_equal_to_self_score(built, school_id):
    row = comparisons(built, school_id)["C7", "staff"]

    assert row["self_review_score"] == 50.0
    assert row["ci_lower"] == 50.0
    assert row["ci_upper"] == 50.0
    assert row["score_gap"] == 0.0
    assert row["gap_reading"] == "no_clear_gap"


@pytest.mark.parametrize("school_id", sorted(EDGE_SCHOOLS))
def test_every_staff_row_matches_hand_computation(built, school_id):
    rows = comparisons(built, school_id)
    levels = self_review_levels()
    components = practice_components()
    staff = built["respondents"][school_id]
    expected = {}
    for practice_id in components:
        self_score = round(levels[practice_id] * 100 / 3, 1)
        expected[practice_id] = (
            self_score,
            cell([SCALE_SCORES[answers[practice_id] - 1] for answers in staff]),
        )
    for component_id in sorted(set(components.values())):
        practice_ids = [p for p, c in components.items() if c == component_id]
        component_levels = [levels[p] for p in practice_ids]
        self_score = round(sum(component_levels) * 100 / (3 * len(practice_ids)), 1)
        scores = [
            statistics.fmean(SCALE_SCORES[answers[p] - 1] for p in practice_ids)
            for answers in staff
        ]
        expected[component_id] = (self_score, cell(scores))

    for indicator_id, (self_score, figures) in expected.items():
        row = rows[indicator_id, "staff"]
        assert row["self_review_score"] == self_score, indicator_id
        assert row["n_respondents"] == figures["n"], indicator_id
        assert row["group_score"] == pytest.approx(figures["mean"], abs=1e-4)
        assert row["ci_lower"] == pytest.approx(figures["ci_lower"], abs=1e-4)
        assert row["ci_upper"] == pytest.approx(figures["ci_upper"], abs=1e-4)
        assert row["gap_reading"] == reading(
            self_score, row["ci_lower"], row["ci_upper"]
        ), indicator_id


def test_small_group_suppressed_and_never_compared(built):
    rows = comparisons(built, 11)
    parent_rows = [row for key, row in rows.items() if key[1] == "parent"]

    assert len(parent_rows) == 7 + 23
    for row in parent_rows:
        assert row["is_suppressed"] is True
        assert row["gap_reading"] == "suppressed"
        assert row["suppression_reason"] == "below_threshold"
        assert row["n_respondents"] is None
        assert row["group_score"] is None
        assert row["score_gap"] is None


def test_surveyed_group_without_answers_reads_suppressed(built):
    rows = comparisons(built, 11)
    governor_rows = [row for key, row in rows.items() if key[1] == "governor"]

    assert {row["indicator_id"] for row in governor_rows} >= {"C1", "P1.2"}
    assert "P1.1" not in {row["indicator_id"] for row in governor_rows}
    assert {row["gap_reading"] for row in governor_rows} == {"suppressed"}


def test_unsurveyed_group_has_no_rows(built):
    groups = {key[1] for key in comparisons(built, 11)}

    assert groups == {"staff", "parent", "governor"}


def impacts(built, next_step_id: int) -> dict[str, dict]:
    rows = fetch_dicts(
        built["database"],
        "select * from marts.next_step_impacts where next_step_id = ?",
        [next_step_id],
    )
    return {row["indicator_id"]: row for row in rows}


def welch(baseline: list[float], follow_up: list[float]) -> dict:
    """Return the change and its 95% Welch interval, t at the exact df."""
    n1, n2 = len(baseline), len(follow_up)
    v1 = statistics.variance(baseline) / n1
    v2 = statistics.variance(follow_up) / n2
    change = statistics.fmean(follow_up) - statistics.fmean(baseline)
    standard_error = math.sqrt(v1 + v2)
    df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
    half_width = student_t.ppf(0.975, df) * standard_error
    return {
        "change": change,
        "df": df,
        "standard_error": standard_error,
        "ci_lower": change - half_width,
        "ci_upper": change + half_width,
    }


def staff_scores(built, year: str, practice_ids: list[str]) -> list[float]:
    return [
        statistics.fmean(SCALE_SCORES[answers[p] - 1] for p in practice_ids)
        for answers in built["impact_respondents"][year]
    ]


def assert_matches_welch(row, expected):
    # The mart interpolates t between whole degrees of freedom, which
    # differs from scipy's t by less than 0.0033.
    tolerance = 0.0033 * expected["standard_error"] + 1e-4
    assert row["impact_status"] == "measured"
    assert row["score_change"] == pytest.approx(expected["change"], abs=1e-4)
    assert row["welch_degrees_of_freedom"] == pytest.approx(expected["df"], abs=1e-4)
    assert row["change_ci_lower"] == pytest.approx(expected["ci_lower"], abs=tolerance)
    assert row["change_ci_upper"] == pytest.approx(expected["ci_upper"], abs=tolerance)


def test_targeted_practice_change_beyond_chance(built):
    row = impacts(built, 1)["P3.1"]
    expected = welch(
        staff_scores(built, BASELINE_YEAR, ["P3.1"]),
        staff_scores(built, FOLLOW_UP_YEAR, ["P3.1"]),
    )

    assert row["is_targeted"] is True
    assert row["baseline_n"] == 12
    assert row["follow_up_n"] == 15
    assert_matches_welch(row, expected)
    assert expected["ci_lower"] > 0
    assert row["is_beyond_chance"] is True


def test_untargeted_components_shown_beside_target(built):
    rows = impacts(built, 1)
    c2_practices = [p for p, c in practice_components().items() if c == "C2"]

    assert set(rows) == {"P3.1", "C1", "C2", "C4", "C5", "C6", "C7"}
    for component_id in ("C1", "C2", "C4", "C5", "C6", "C7"):
        assert rows[component_id]["is_targeted"] is False
    assert_matches_welch(
        rows["C2"],
        welch(
            staff_scores(built, BASELINE_YEAR, c2_practices),
            staff_scores(built, FOLLOW_UP_YEAR, c2_practices),
        ),
    )
    assert rows["C2"]["is_beyond_chance"] is False


def test_change_without_spread_has_no_width(built):
    row = impacts(built, 1)["C1"]

    assert row["impact_status"] == "measured"
    assert row["score_change"] == 0.0
    assert row["change_ci_lower"] == 0.0
    assert row["change_ci_upper"] == 0.0
    assert row["is_beyond_chance"] is False


def test_targeted_component_change_within_chance(built):
    rows = impacts(built, 2)
    components = practice_components()
    practice_ids = [p for p, c in components.items() if c == "C2"]
    expected = welch(
        staff_scores(built, BASELINE_YEAR, practice_ids),
        staff_scores(built, FOLLOW_UP_YEAR, practice_ids),
    )

    assert rows["C2"]["is_targeted"] is True
    assert_matches_welch(rows["C2"], expected)
    assert expected["ci_lower"] < 0 < expected["ci_upper"]
    assert rows["C2"]["is_beyond_chance"] is False
    assert "C3" in rows
    assert rows["C3"]["is_beyond_chance"] is True


@pytest.mark.parametrize(
    ("next_step_id", "indicator_id", "status"),
    [
        (3, "P1.1", "suppressed"),
        (4, "P1.2", "not_asked"),
        (5, "C4", "awaiting_results"),
        (6, "C5", "no_baseline"),
    ],
)
def test_impact_hidden_without_two_published_cells(
    built, next_step_id, indicator_id, status
):
    row = impacts(built, next_step_id)[indicator_id]

    assert row["impact_status"] == status
    for figure in (
        "baseline_n",
        "baseline_score",
        "follow_up_n",
        "follow_up_score",
        "score_change",
        "change_ci_lower",
        "change_ci_upper",
        "is_beyond_chance",
    ):
        assert row[figure] is None, figure


SELF_REVIEW_SUITES = (
    "marts.self_review_comparisons.critical",
    "marts.next_step_impacts.critical",
)


def suite_outcomes(database, report_dir) -> dict:
    from expectations import validate_warehouse

    outcome = validate_warehouse(database, report_dir, "self-review")
    return {suite.name: suite for suite in outcome.suites}


def test_gx_suites_pass_on_built_marts(built, tmp_path):
    outcomes = suite_outcomes(built["database"], tmp_path)

    for name in SELF_REVIEW_SUITES:
        assert outcomes[name].success, outcomes[name].failure_messages()
        assert outcomes[name].rows_read > 0


def test_gx_suites_catch_wrong_readings(built, tmp_path):
    database = tmp_path / "tampered.duckdb"
    shutil.copyfile(built["database"], database)
    with duckdb.connect(str(database)) as connection:
        connection.execute(
            """
            update marts.self_review_comparisons
            set gap_reading = 'blind_spot'
            where school_id = 12 and indicator_id = 'P1.1'
                and stakeholder_group = 'staff';
            update marts.self_review_comparisons
            set group_score = 80.0
            where school_id = 11 and indicator_id = 'C1'
                and stakeholder_group = 'parent';
            update marts.next_step_impacts
            set score_change = 4.0
            where next_step_id = 3;
            """
        )

    outcomes = suite_outcomes(database, tmp_path)

    comparison_failures = " ".join(
        outcomes["marts.self_review_comparisons.critical"].failure_messages()
    )
    impact_failures = " ".join(
        outcomes["marts.next_step_impacts.critical"].failure_messages()
    )
    assert "self_review_score" in comparison_failures
    assert "group_score" in comparison_failures
    assert "score_change" in impact_failures
