"""The borough marts, built by a real dbt run on the three-school, two-year case.

Expected figures are recomputed here from the answers in warehouse.py: means
over respondents, t intervals, and the Welch interval of the change with
scipy's t quantile at the exact Welch-Satterthwaite degrees of freedom. The
marts interpolate t between whole degrees of freedom, which moves t by less
than 0.0033 at 4.5 degrees of freedom and less above, hence the tolerance.
"""

import math
import statistics

import duckdb
import pytest
from scipy.stats import t as student_t

from expectations import validate_warehouse

from .warehouse import (
    HILLTOP,
    MEADOW,
    PARENT_ROLLS,
    PREVIOUS_YEAR,
    RIVERSIDE,
    SCHOOLS,
    THRESHOLD,
    YEAR,
    fetch_dicts,
    group_answers,
)

pytestmark = [pytest.mark.dbt, pytest.mark.slow]

MINIMUM_SCHOOLS = 3
# Positions of the questions in each respondent's answers.
P1_1, P1_2, P2_1 = 0, 1, 2
COMPONENT_QUESTIONS = {"C1": (P1_1, P1_2), "C2": (P2_1,)}


def score(value: int) -> float:
    """Return the 0-100 score of a value on the 5-point scale."""
    return 25.0 * (value - 1)


def respondent_scores(
    group: str, year: str, questions: tuple[int, ...], schools=tuple(SCHOOLS)
) -> list[float]:
    """Return each respondent's mean score over the given questions."""
    return [
        statistics.fmean(score(answers[question]) for question in questions)
        for rows in group_answers()
        if rows.group == group and rows.year == year and rows.school_id in schools
        for answers in rows.answers
    ]


def t_interval(scores: list[float]) -> tuple[float, float]:
    """Return the 95% t interval of the mean, cut at 0 and 100."""
    half_width = (
        student_t.ppf(0.975, len(scores) - 1)
        * statistics.stdev(scores)
        / math.sqrt(len(scores))
    )
    mean = statistics.fmean(scores)
    return max(mean - half_width, 0.0), min(mean + half_width, 100.0)


def welch(previous: list[float], current: list[float]) -> dict:
    """Return the change of the mean with its 95% Welch interval."""
    variance_previous = statistics.variance(previous) / len(previous)
    variance_current = statistics.variance(current) / len(current)
    standard_error = math.sqrt(variance_previous + variance_current)
    degrees_of_freedom = (variance_previous + variance_current) ** 2 / (
        variance_previous**2 / (len(previous) - 1)
        + variance_current**2 / (len(current) - 1)
    )
    change = statistics.fmean(current) - statistics.fmean(previous)
    half_width = student_t.ppf(0.975, degrees_of_freedom) * standard_error
    return {
        "change": change,
        "lower": change - half_width,
        "upper": change + half_width,
        "degrees_of_freedom": degrees_of_freedom,
        "tolerance": 0.0033 * standard_error + 0.0001,
    }


def borough_row(database, table: str, group: str, indicator: str, **keys) -> dict:
    keys = {"academic_year": YEAR, "phase": "all", **keys}
    rows = fetch_dicts(
        database,
        f"select * from marts.{table} where stakeholder_group = ?"  # noqa: S608
        " and indicator_id = ? and academic_year = ? and phase = ?",
        [group, indicator, keys["academic_year"], keys["phase"]],
    )
    assert len(rows) == 1, rows
    return rows[0]


# Borough figures from respondents


def test_borough_score_counts_every_respondent(borough_build):
    scores = respondent_scores("parent", YEAR, COMPONENT_QUESTIONS["C1"])
    school_means = [
        statistics.fmean(
            respondent_scores("parent", YEAR, COMPONENT_QUESTIONS["C1"], (school,))
        )
        for school in SCHOOLS
    ]
    lower, upper = t_interval(scores)

    row = borough_row(borough_build, "borough_indicators", "parent", "C1")

    assert row["is_suppressed"] is False
    assert row["n_schools"] == 3
    assert row["n_respondents"] == 38
    assert row["score"] == pytest.approx(statistics.fmean(scores), abs=1e-4)
    assert row["ci_lower"] == pytest.approx(lower, abs=1e-4)
    assert row["ci_upper"] == pytest.approx(upper, abs=1e-4)
    # The mean of the three school means weighs Meadow's 11 like Riverside's 15.
    assert abs(statistics.fmean(school_means) - row["score"]) > 0.1


def test_borough_percent_positive_counts_answers(borough_build):
    answers = [
        answers[question]
        for rows in group_answers()
        if rows.group == "parent" and rows.year == YEAR
        for answers in rows.answers
        for question in COMPONENT_QUESTIONS["C1"]
    ]
    expected = 100 * sum(value >= 4 for value in answers) / len(answers)

    row = borough_row(borough_build, "borough_indicators", "parent", "C1")

    assert row["pct_positive"] == pytest.approx(expected, abs=1e-4)


def test_borough_practice_figure_from_respondents(borough_build):
    scores = respondent_scores("parent", YEAR, (P1_1,))

    row = borough_row(borough_build, "borough_indicators", "parent", "P1.1")

    assert row["indicator_level"] == "practice"
    assert row["component_id"] == "C1"
    assert row["n_respondents"] == 38
    assert row["score"] == pytest.approx(statistics.fmean(scores), abs=1e-4)


# Year-on-year change


def test_change_welch_interval_on_common_questions(borough_build):
    expected = welch(
        respondent_scores("parent", PREVIOUS_YEAR, (P1_1,)),
        respondent_scores("parent", YEAR, (P1_1,)),
    )

    row = borough_row(borough_build, "borough_changes", "parent", "C1")

    assert row["previous_academic_year"] == PREVIOUS_YEAR
    assert row["change_status"] == "compared"
    assert row["score_change"] == pytest.approx(expected["change"], abs=1e-4)
    assert row["change_ci_lower"] == pytest.approx(
        expected["lower"], abs=expected["tolerance"]
    )
    assert row["change_ci_upper"] == pytest.approx(
        expected["upper"], abs=expected["tolerance"]
    )
    assert row["welch_degrees_of_freedom"] == pytest.approx(
        expected["degrees_of_freedom"], abs=1e-4
    )
    assert row["n_respondents_previous"] == 38
    assert row["n_respondents"] == 38


def test_change_significant_when_interval_excludes_zero(borough_build):
    row = borough_row(borough_build, "borough_changes", "parent", "C1")

    assert row["change_ci_lower"] > 0
    assert row["is_significant"] is True


def test_change_not_significant_when_interval_spans_zero(borough_build):
    expected = welch(
        respondent_scores("parent", PREVIOUS_YEAR, (P2_1,)),
        respondent_scores("parent", YEAR, (P2_1,)),
    )

    row = borough_row(borough_build, "borough_changes", "parent", "C2")

    assert row["score_change"] == pytest.approx(expected["change"], abs=1e-4)
    assert row["change_ci_lower"] < 0 < row["change_ci_upper"]
    assert row["is_significant"] is False


def test_change_partial_when_question_reworded(borough_build):
    component = borough_row(borough_build, "borough_changes", "parent", "C1")
    unchanged = borough_row(borough_build, "borough_changes", "parent", "C2")

    assert component["is_partial"] is True
    assert component["n_questions_compared"] == 1
    assert component["n_questions_total"] == 3
    assert unchanged["is_partial"] is False
    assert unchanged["n_questions_compared"] == 1
    assert unchanged["n_questions_total"] == 1


def test_change_not_comparable_without_common_question(borough_build):
    row = borough_row(borough_build, "borough_changes", "parent", "P1.2")

    assert row["change_status"] == "not_comparable"
    assert row["n_questions_compared"] == 0
    assert row["n_questions_total"] == 2
    assert row["score_change"] is None
    assert row["is_significant"] is None


def test_partial_change_differs_from_scores(borough_build):
    """The reworded question scores lower, so the published C1 scores hide a rise."""
    previous = borough_row(
        borough_build,
        "borough_indicators",
        "parent",
        "C1",
        academic_year=PREVIOUS_YEAR,
    )
    current = borough_row(borough_build, "borough_indicators", "parent", "C1")
    change = borough_row(borough_build, "borough_changes", "parent", "C1")

    published_difference = current["score"] - previous["score"]

    assert abs(published_difference) < 5
    assert change["score_change"] > 20


def test_partial_change_gives_common_basis_scores(borough_build):
    previous = statistics.fmean(respondent_scores("parent", PREVIOUS_YEAR, (P1_1,)))
    current = statistics.fmean(respondent_scores("parent", YEAR, (P1_1,)))

    change = borough_row(borough_build, "borough_changes", "parent", "C1")
    primary = borough_row(
        borough_build, "borough_changes", "parent", "C1", phase="primary"
    )

    assert change["is_partial"] is True
    assert change["score_previous_compared"] == pytest.approx(previous, abs=1e-4)
    assert change["score_compared"] == pytest.approx(current, abs=1e-4)
    assert change["score_change"] == pytest.approx(current - previous, abs=2e-4)
    assert primary["score_previous_compared"] is None
    assert primary["score_compared"] is None


def test_complete_change_equals_score_difference(borough_build):
    previous = borough_row(
        borough_build,
        "borough_indicators",
        "governor",
        "C2",
        academic_year=PREVIOUS_YEAR,
    )
    current = borough_row(borough_build, "borough_indicators", "governor", "C2")
    change = borough_row(borough_build, "borough_changes", "governor", "C2")

    assert change["change_status"] == "compared"
    assert change["score_change"] == pytest.approx(
        current["score"] - previous["score"], abs=2e-4
    )


# Suppression


def test_suppressed_schools_count_in_shown_borough_figure(borough_build):
    schools = fetch_dicts(
        borough_build,
        "select school_id, is_suppressed from marts.component_indicators"
        " where stakeholder_group = 'governor' and academic_year = ?"
        " and key_stage = 'all' and component_id = 'C1'",
        [YEAR],
    )
    scores = respondent_scores("governor", YEAR, COMPONENT_QUESTIONS["C1"])

    row = borough_row(borough_build, "borough_indicators", "governor", "C1")

    assert {school["school_id"] for school in schools} == set(SCHOOLS)
    assert all(school["is_suppressed"] for school in schools)
    assert row["is_suppressed"] is False
    assert row["n_schools"] == 3
    assert row["n_respondents"] == 21
    assert row["score"] == pytest.approx(statistics.fmean(scores), abs=1e-4)


def test_one_suppressed_school_hides_borough_figure(borough_build):
    """Shown, the staff figure minus Hilltop's and Riverside's would give Meadow's."""
    schools = {
        school["school_id"]: school
        for school in fetch_dicts(
            borough_build,
            "select school_id, is_suppressed, n_respondents"
            " from marts.component_indicators where stakeholder_group = 'staff'"
            " and academic_year = ? and key_stage = 'all' and component_id = 'C1'",
            [YEAR],
        )
    }
    unpublished = fetch_dicts(
        borough_build,
        "select n_respondents, n_hidden_schools from"
        " intermediate.int_borough_cells_suppressed where cell_type = 'indicator'"
        " and stakeholder_group = 'staff' and academic_year = ?"
        " and indicator_id = 'C1' and phase = 'all'",
        [YEAR],
    )[0]

    row = borough_row(borough_build, "borough_indicators", "staff", "C1")

    assert schools[MEADOW]["is_suppressed"] is True
    assert schools[HILLTOP]["n_respondents"] == 12
    assert schools[RIVERSIDE]["n_respondents"] == 15
    assert unpublished["n_respondents"] == 33
    assert unpublished["n_hidden_schools"] == 1
    assert row["is_suppressed"] is True
    assert row["suppression_reason"] == "complementary"
    assert row["n_respondents"] is None
    assert row["score"] is None


@pytest.mark.parametrize(
    ("phase", "n_schools"),
    [("primary", 2), ("secondary", 1)],
)
def test_phase_with_fewer_than_three_schools_hidden(borough_build, phase, n_schools):
    unpublished = fetch_dicts(
        borough_build,
        "select n_schools from intermediate.int_borough_cells_suppressed"
        " where cell_type = 'indicator' and stakeholder_group = 'parent'"
        " and academic_year = ? and indicator_id = 'C1' and phase = ?",
        [YEAR, phase],
    )[0]

    row = borough_row(borough_build, "borough_indicators", "parent", "C1", phase=phase)
    counts = fetch_dicts(
        borough_build,
        "select * from marts.borough_response_counts where academic_year = ?"
        " and stakeholder_group = 'parent' and phase = ?",
        [YEAR, phase],
    )[0]

    assert unpublished["n_schools"] == n_schools
    assert row["is_suppressed"] is True
    assert row["suppression_reason"] == "too_few_schools"
    assert row["n_schools"] is None
    assert row["score"] is None
    assert counts["is_suppressed"] is True
    assert counts["n_responses"] is None


def test_change_hidden_when_a_year_hidden(borough_build):
    row = borough_row(borough_build, "borough_changes", "staff", "C2")

    assert row["change_status"] == "suppressed"
    assert row["is_suppressed"] is True
    assert row["suppression_reason"] == "complementary"
    assert row["score_change"] is None
    assert row["change_ci_lower"] is None
    assert row["n_respondents"] is None


def test_change_of_phase_hidden_with_its_years(borough_build):
    row = borough_row(borough_build, "borough_changes", "parent", "C2", phase="primary")

    assert row["change_status"] == "suppressed"
    assert row["score_change"] is None


# Response counts


def test_borough_response_rate_over_every_school(borough_build):
    row = fetch_dicts(
        borough_build,
        "select * from marts.borough_response_counts where academic_year = ?"
        " and stakeholder_group = 'parent' and phase = 'all'",
        [YEAR],
    )[0]

    assert row["n_schools_surveyed"] == 3
    assert row["n_schools"] == 3
    assert row["n_responses"] == 38
    assert row["number_on_roll"] == sum(PARENT_ROLLS.values())
    assert row["response_rate"] == pytest.approx(100 * 38 / 360, abs=1e-4)


def test_borough_response_rate_unknown_without_every_roll(borough_build):
    row = fetch_dicts(
        borough_build,
        "select * from marts.borough_response_counts where academic_year = ?"
        " and stakeholder_group = 'governor' and phase = 'all'",
        [YEAR],
    )[0]

    assert row["is_suppressed"] is False
    assert row["n_responses"] == 21
    assert row["number_on_roll"] is None
    assert row["response_rate"] is None


def test_borough_rate_over_known_rolls(borough_build):
    row = fetch_dicts(
        borough_build,
        "select * from marts.borough_response_counts where academic_year = ?"
        " and stakeholder_group = 'parent' and phase = 'all'",
        [YEAR],
    )[0]

    assert row["n_schools_with_roll"] == 3
    assert row["number_on_roll_known"] == 360
    assert row["response_rate_known_roll"] == pytest.approx(100 * 38 / 360, abs=1e-4)


def test_known_roll_rate_kept_from_hidden_schools(borough_build):
    # Every governor count is hidden and no school has a governor roll, so a
    # rate over the known rolls would give the hidden schools' total.
    row = fetch_dicts(
        borough_build,
        "select * from marts.borough_response_counts where academic_year = ?"
        " and stakeholder_group = 'governor' and phase = 'all'",
        [YEAR],
    )[0]

    assert row["n_schools_with_roll"] == 0
    assert row["number_on_roll_known"] is None
    assert row["response_rate_known_roll"] is None


def test_school_responses_flag_every_school(borough_build):
    rows = fetch_dicts(
        borough_build,
        "select * from marts.borough_school_responses where academic_year = ?"
        " and stakeholder_group = 'governor' order by school_id",
        [YEAR],
    )

    assert [row["school_id"] for row in rows] == [HILLTOP, RIVERSIDE, MEADOW]
    assert all(row["has_responses"] for row in rows)


def test_borough_response_count_hidden_like_figures(borough_build):
    row = fetch_dicts(
        borough_build,
        "select * from marts.borough_response_counts where academic_year = ?"
        " and stakeholder_group = 'staff' and phase = 'all'",
        [YEAR],
    )[0]

    assert row["is_suppressed"] is True
    assert row["suppression_reason"] == "complementary"
    assert row["n_responses"] is None
    assert row["n_schools_surveyed"] == 3


# What a reader can work out from the published marts


def test_no_hidden_figure_follows_from_published_ones(borough_build):
    """Each shown borough figure minus the shown school and phase figures in it
    leaves nothing, or at least 3 schools and the threshold of respondents."""
    residuals = fetch_dicts(
        borough_build,
        """
        with school_cells as (
            select 'component' as indicator_level, component_id as indicator_id,
                school_id, academic_year, stakeholder_group, n_respondents,
                is_suppressed
            from marts.component_indicators where key_stage = 'all'
            union all
            select 'practice', practice_id, school_id, academic_year,
                stakeholder_group, n_respondents, is_suppressed
            from marts.practice_indicators where key_stage = 'all'
        ),
        shown as (
            select * from marts.borough_indicators where not is_suppressed
        ),
        by_schools as (
            select
                shown.academic_year, shown.stakeholder_group,
                shown.indicator_level, shown.indicator_id, shown.phase,
                'schools' as subtracted,
                any_value(shown.n_schools) - count(school_cells.school_id)
                    as residual_schools,
                any_value(shown.n_respondents)
                - coalesce(sum(school_cells.n_respondents), 0)
                    as residual_respondents
            from shown
            left join marts.schools
                on shown.phase in ('all', schools.phase)
            left join school_cells
                on school_cells.school_id = schools.school_id
                and school_cells.academic_year = shown.academic_year
                and school_cells.stakeholder_group = shown.stakeholder_group
                and school_cells.indicator_level = shown.indicator_level
                and school_cells.indicator_id = shown.indicator_id
                and not school_cells.is_suppressed
            group by 1, 2, 3, 4, 5
        ),
        by_phases as (
            select
                total.academic_year, total.stakeholder_group,
                total.indicator_level, total.indicator_id, total.phase,
                'phases' as subtracted,
                any_value(total.n_schools) - coalesce(sum(part.n_schools), 0),
                any_value(total.n_respondents)
                - coalesce(sum(part.n_respondents), 0)
            from shown as total
            left join shown as part
                on part.academic_year = total.academic_year
                and part.stakeholder_group = total.stakeholder_group
                and part.indicator_level = total.indicator_level
                and part.indicator_id = total.indicator_id
                and part.phase <> 'all'
            where total.phase = 'all'
            group by 1, 2, 3, 4, 5
        )
        select * from by_schools union all select * from by_phases
        """,
    )

    assert len(residuals) > 0
    for row in residuals:
        if row["residual_schools"] == 0:
            assert row["residual_respondents"] == 0, row
        else:
            assert row["residual_schools"] >= MINIMUM_SCHOOLS, row
            assert row["residual_respondents"] >= THRESHOLD, row


# Validation


def test_borough_suites_pass_on_built_marts(borough_build, tmp_path):
    outcome = validate_warehouse(borough_build, tmp_path / "reports", 1)

    borough_suites = [suite for suite in outcome.suites if "borough" in suite.name]
    assert [suite.name for suite in borough_suites] == [
        "marts.borough_indicators.critical",
        "marts.borough_response_counts.critical",
        "marts.borough_changes.critical",
    ]
    assert outcome.failures == []
    for suite in borough_suites:
        assert suite.rows_read > 0, suite.name


@pytest.mark.parametrize(
    ("statement", "failing_suite"),
    [
        (
            "update marts.borough_indicators set n_respondents = 33"
            " where is_suppressed and stakeholder_group = 'staff'",
            "marts.borough_indicators.critical",
        ),
        (
            "update marts.borough_indicators set n_schools = 2 where not is_suppressed",
            "marts.borough_indicators.critical",
        ),
        (
            "update marts.borough_changes set is_significant = not is_significant"
            " where change_status = 'compared'",
            "marts.borough_changes.critical",
        ),
        (
            "update marts.borough_response_counts set n_responses = 6"
            " where is_suppressed",
            "marts.borough_response_counts.critical",
        ),
    ],
)
def test_borough_suites_reject_leaks(built_copy, tmp_path, statement, failing_suite):
    with duckdb.connect(str(built_copy)) as connection:
        connection.execute(statement)

    outcome = validate_warehouse(built_copy, tmp_path / "reports", 2)

    assert outcome.success is False
    assert any(failure.startswith(failing_suite) for failure in outcome.failures)
