"""No suppressed figure can be worked out from the published ones.

scripts/differencing_attack.py runs on the demo world's warehouse, which the
real pipeline built with dbt: six demo schools with governors and key
stages below the threshold, plus a school whose groups sit just around it,
over four academic years. The attack must recover nothing. On a copy where
one suppressed key-stage cell is published after all, it must recover the
cell hidden beside it, so the test can fail.
"""

import shutil

import duckdb
import pytest

from scripts.differencing_attack import attack

pytestmark = [pytest.mark.dbt, pytest.mark.slow]

# Relations the attack must find exact on the published figures, or it is
# not testing what it claims to.
EXPECTED_FAMILIES = {
    "key stages add up: n",
    "key stages add up: score_sum",
    "key stages add up: responses",
    "borough adds up schools: n",
    "borough adds up schools: score_sum",
    "self-review comparison repeats cells",
    "next-step impact repeats cells",
    "borough change repeats counts",
    "borough change repeats scores",
    "borough response rate over known rolls",
}
# The demo world has no school without responses, so the "no-responses
# flag" family has no instance to check here.


@pytest.fixture(scope="module")
def published(world_template):
    return world_template / "var" / "warehouse" / "published.duckdb"


@pytest.fixture(scope="module")
def result(published):
    return attack(published)


def test_attack_recovers_nothing(result):
    found, _, _ = result

    assert [str(recovery) for recovery in found] == []


def test_attack_covers_published_figures(result):
    _, system, inexact = result
    families = {relation.family for relation in system.relations}
    reasons = set(system.suppressed.values())

    assert EXPECTED_FAMILIES <= families - inexact
    assert {"below_threshold", "complementary", "too_few_schools"} <= reasons
    assert len(system.suppressed) > 1000
    years = {cell[2] for cell in system.suppressed if cell[0] == "school"}
    assert len(years) >= 2


def publish_one_hidden_cell(path) -> tuple:
    """Publish the true figures of one of exactly two hidden key stages of a
    component cell whose total is shown; return the other's cell key."""
    connection = duckdb.connect(str(path))
    try:
        partition = connection.execute(
            """
            select school_id, academic_year, stakeholder_group, component_id
            from marts.component_indicators
            group by all
            having count(*) filter (where is_suppressed and key_stage <> 'all') = 2
                and bool_or(key_stage = 'all' and not is_suppressed)
            order by all
            limit 1
            """
        ).fetchone()
        assert partition is not None, "no cell with two hidden key stages"
        shown, hidden = connection.execute(
            """
            select key_stage from marts.component_indicators
            where school_id = ? and academic_year = ? and stakeholder_group = ?
                and component_id = ? and is_suppressed and key_stage <> 'all'
            order by key_stage
            """,
            list(partition),
        ).fetchall()
        connection.execute(
            """
            update marts.component_indicators as published
            set n_respondents = truth.n_respondents,
                score = round(truth.score, 4),
                ci_lower = round(truth.ci_lower, 4),
                ci_upper = round(truth.ci_upper, 4),
                pct_positive = round(truth.pct_positive, 4),
                dont_know_rate = round(truth.dont_know_rate, 4),
                n_excluded = truth.n_excluded,
                is_suppressed = false,
                suppression_reason = null
            from intermediate.int_indicator_cells_suppressed as truth
            where truth.unit_type = 'component'
                and truth.unit_id = published.component_id
                and truth.school_id = published.school_id
                and truth.academic_year = published.academic_year
                and truth.stakeholder_group = published.stakeholder_group
                and truth.key_stage = published.key_stage
                and published.school_id = ? and published.academic_year = ?
                and published.stakeholder_group = ? and published.component_id = ?
                and published.key_stage = ?
            """,
            [*partition, shown[0]],
        )
    finally:
        connection.close()
    school_id, academic_year, group, component_id = partition
    return (
        "school",
        school_id,
        academic_year,
        group,
        hidden[0],
        "component",
        component_id,
    )


def test_attack_finds_planted_leak(published, tmp_path):
    copy = tmp_path / "published.duckdb"
    shutil.copyfile(published, copy)
    exposed = publish_one_hidden_cell(copy)

    found, _, _ = attack(copy)

    figures = {recovery.figure for recovery in found if recovery.cell == exposed}
    assert {"n_respondents", "score"} <= figures
