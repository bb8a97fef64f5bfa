"""Build the dbt project on a hand-made warehouse and check the marts by hand.

One build serves every test of the module, and each school below contains one
case. Figures are compared with values worked out from the answers in this
file.
"""

import math
import random
import statistics

import pytest
import yaml
from conftest import (
    REPOSITORY,
    Marts,
    assert_dbt_succeeded,
    build_warehouse,
    run_dbt,
)
from raw_warehouse import DONT_KNOW, RawWarehouse

pytestmark = [pytest.mark.dbt, pytest.mark.slow]

DK = DONT_KNOW
YEAR = "2024/25"
T_975_DF_9 = 2.2621571628  # seeds/t_quantiles.csv, from scipy

TEST_BANK = {
    "version": "test.1",
    "framework_version": 1,
    "scales": {
        "yes_no_3": {
            "points": 3,
            "labels": ["No", "Sometimes", "Yes"],
            "positive_from": 3,
            "dont_know_label": "Not sure",
        },
        "agreement_5": {
            "points": 5,
            "labels": ["1", "2", "3", "4", "5"],
            "positive_from": 4,
            "dont_know_label": "Don’t know",
        },
    },
    "groups": [
        {
            "group_id": "pupil_primary",
            "title": "Pupils in Years 3 to 6",
            "scale": "yes_no_3",
            "questions": [
                {"question_id": "pri-P1.4-a", "practice_id": "P1.4", "text": "a"},
                {"question_id": "pri-P1.5-a", "practice_id": "P1.5", "text": "b"},
                {"question_id": "pri-P2.1-a", "practice_id": "P2.1", "text": "c"},
            ],
        },
        {
            "group_id": "pupil_secondary",
            "title": "Pupils in Years 7 to 13",
            "scale": "agreement_5",
            "questions": [
                {"question_id": "sec-P1.4-a", "practice_id": "P1.4", "text": "a"},
                {"question_id": "sec-P1.4-b", "practice_id": "P1.4", "text": "b"},
                {"question_id": "sec-P2.1-a", "practice_id": "P2.1", "text": "c"},
            ],
        },
        {
            # One question per component.
            "group_id": "parent",
            "title": "Parents and carers",
            "scale": "agreement_5",
            "questions": [
                {"question_id": "par-P1.4-a", "practice_id": "P1.4", "text": "a"},
                {"question_id": "par-P2.1-a", "practice_id": "P2.1", "text": "b"},
            ],
        },
        {
            "group_id": "staff",
            "title": "Staff",
            "scale": "agreement_5",
            "questions": [
                {"question_id": "stf-P1.1-a", "practice_id": "P1.1", "text": "a"},
                {"question_id": "stf-P1.1-b", "practice_id": "P1.1", "text": "b"},
                {"question_id": "stf-P1.2-a", "practice_id": "P1.2", "text": "c"},
                {"question_id": "stf-P2.1-a", "practice_id": "P2.1", "text": "d"},
                {"question_id": "stf-P2.4-a", "practice_id": "P2.4", "text": "e"},
            ],
        },
        {
            "group_id": "governor",
            "title": "Governors",
            "scale": "agreement_5",
            "questions": [
                {"question_id": "gov-P1.2-a", "practice_id": "P1.2", "text": "a"},
            ],
        },
    ],
}
STAFF_QUESTIONS = ["stf-P1.1-a", "stf-P1.1-b", "stf-P1.2-a", "stf-P2.1-a", "stf-P2.4-a"]

# School 1: the small case with don't know, for the staff group.
DONT_KNOW_SCHOOL = 1
DONT_KNOW_STAFF = [(5, 4, 4, 3, DK)] * 8 + [(DK, 2, 1, 5, 4), (3, 3, DK, 2, 1)]
DONT_KNOW_TOO_FAST = (5, 4, 3, 2, 1)

# School 2: Cronbach's alpha of C1 (stf-P1.1-a, stf-P1.1-b, stf-P1.2-a).
ALPHA_SCHOOL = 2
ALPHA_C1_ANSWERS = [
    (5, 5, 4),
    (4, 4, 4),
    (3, 4, 3),
    (2, 2, 3),
    (1, 2, 1),
    (5, 4, 5),
    (4, 5, 4),
    (3, 3, 2),
    (2, 1, 2),
    (3, 3, 3),
]

# School 3: 9 staff (hidden) and 10 parents (shown).
THRESHOLD_SCHOOL = 3

# School 4: secondary pupils, 12 in KS3, 10 in KS4 and 3 in KS5.
SECONDARY_SCHOOL = 4
SECONDARY_YEARS = [7, 8, 9] * 4 + [10, 11] * 5 + [12, 13, 12]

# School 5: primary pupils, 15 in KS2 and 2 who gave no year.
PRIMARY_SCHOOL = 5
PRIMARY_YEARS = [3, 4, 5, 6, 3, 4, 5, 6, 3, 4, 5, 6, 3, 4, 5, None, None]

# School 6: quality flags among staff.
FLAGS_SCHOOL = 6

# School 7: a window with a staff link and no response.
EMPTY_SCHOOL = 7

# School 8: the reference question bank 2024.1 with pseudo-random answers.
REFERENCE_SCHOOL = 8
REFERENCE_BANK = REPOSITORY / "reference" / "question_banks" / "2024.1.yml"

RESPONSE_SEQS: dict[str, int] = {}


def staff_answers(values) -> dict:
    return dict(zip(STAFF_QUESTIONS, values, strict=True))


def fill_warehouse(warehouse: RawWarehouse) -> None:
    """Insert every school's case into a raw warehouse."""
    warehouse.add_framework()
    warehouse.add_bank(TEST_BANK)
    warehouse.add_bank(yaml.safe_load(REFERENCE_BANK.read_text()))

    names = {
        DONT_KNOW_SCHOOL: "Don’t Know Primary",
        ALPHA_SCHOOL: "Alpha Academy",
        THRESHOLD_SCHOOL: "Threshold School",
        SECONDARY_SCHOOL: "Secondary School",
        PRIMARY_SCHOOL: "Primary School",
        FLAGS_SCHOOL: "Flags School",
        EMPTY_SCHOOL: "Empty School",
        REFERENCE_SCHOOL: "Reference School",
    }
    for school_id, name in names.items():
        warehouse.add_school(school_id, name, rolls={"staff": 50})
        bank = "2024.1" if school_id == REFERENCE_SCHOOL else "test.1"
        warehouse.add_window(school_id, school_id, YEAR, bank)

    warehouse.add_link(DONT_KNOW_SCHOOL, "staff", number_on_roll=40)
    warehouse.add_link(DONT_KNOW_SCHOOL, "governor")
    for values in DONT_KNOW_STAFF:
        warehouse.add_response(DONT_KNOW_SCHOOL, "staff", staff_answers(values))
    warehouse.add_response(
        DONT_KNOW_SCHOOL, "staff", staff_answers(DONT_KNOW_TOO_FAST), is_too_fast=True
    )
    warehouse.add_response(DONT_KNOW_SCHOOL, "governor", {"gov-P1.2-a": 4})

    warehouse.add_link(ALPHA_SCHOOL, "staff")
    for values in ALPHA_C1_ANSWERS:
        warehouse.add_response(ALPHA_SCHOOL, "staff", staff_answers((*values, 3, DK)))
    # Included, but not a complete case of C1.
    warehouse.add_response(ALPHA_SCHOOL, "staff", staff_answers((4, DK, 4, 3, DK)))

    warehouse.add_link(THRESHOLD_SCHOOL, "staff")
    warehouse.add_link(THRESHOLD_SCHOOL, "parent")
    for i in range(9):
        values = (1 + i % 5, 1 + (i + 1) % 5, 1 + (i + 2) % 5, 3, 4)
        warehouse.add_response(THRESHOLD_SCHOOL, "staff", staff_answers(values))
    for i in range(10):
        warehouse.add_response(
            THRESHOLD_SCHOOL,
            "parent",
            {"par-P1.4-a": 1 + i % 5, "par-P2.1-a": 5 - i % 5},
        )

    warehouse.add_link(SECONDARY_SCHOOL, "pupil_secondary", number_on_roll=300)
    for i, year_group in enumerate(SECONDARY_YEARS):
        warehouse.add_response(
            SECONDARY_SCHOOL,
            "pupil_secondary",
            {
                "sec-P1.4-a": 1 + i % 5,
                "sec-P1.4-b": 1 + (i + 2) % 5,
                "sec-P2.1-a": 1 + (i + 4) % 5,
            },
            year_group=year_group,
        )

    warehouse.add_link(PRIMARY_SCHOOL, "pupil_primary")
    for i, year_group in enumerate(PRIMARY_YEARS):
        warehouse.add_response(
            PRIMARY_SCHOOL,
            "pupil_primary",
            {
                "pri-P1.4-a": 1 + i % 3,
                "pri-P1.5-a": 1 + (i + 1) % 3,
                "pri-P2.1-a": 1 + (i + 2) % 3,
            },
            year_group=year_group,
        )

    warehouse.add_link(FLAGS_SCHOOL, "staff")
    for i in range(10):
        values = (1 + i % 5, 1 + (i + 1) % 5, 1 + (i + 3) % 5, 2, 4)
        warehouse.add_response(FLAGS_SCHOOL, "staff", staff_answers(values))
    flag_cases = {
        "four_alike": ((4, 4, 4, 4, DK), False),
        "straight_lining": ((4, 4, 4, 4, 4), False),
        "too_few_answers": ((3, 3, DK, DK, DK), False),
        "too_fast": ((2, 5, 3, 1, 4), True),
    }
    for case, (values, is_too_fast) in flag_cases.items():
        RESPONSE_SEQS[case] = warehouse.add_response(
            FLAGS_SCHOOL, "staff", staff_answers(values), is_too_fast=is_too_fast
        )

    warehouse.add_link(EMPTY_SCHOOL, "staff", number_on_roll=30)

    reference_bank = yaml.safe_load(REFERENCE_BANK.read_text())
    (reference_staff,) = [
        group for group in reference_bank["groups"] if group["group_id"] == "staff"
    ]
    warehouse.add_link(REFERENCE_SCHOOL, "staff")
    generator = random.Random(8)  # noqa: S311 (test data, not security)
    for _ in range(20):
        warehouse.add_response(
            REFERENCE_SCHOOL,
            "staff",
            {
                question["question_id"]: (
                    DK if generator.random() < 0.05 else generator.randint(1, 5)
                )
                for question in reference_staff["questions"]
            },
        )


@pytest.fixture(scope="module")
def build(dbt_work_dir):
    path = dbt_work_dir / "warehouse.duckdb"
    result = build_warehouse(path, fill_warehouse, dbt_work_dir)
    return path, result


@pytest.fixture(scope="module")
def marts(build) -> Marts:
    path, result = build
    assert_dbt_succeeded(result)
    return Marts(path)


def practice_row(marts, school_id, group, practice_id, key_stage="all") -> dict:
    return marts.one(
        """
        select * from marts.practice_indicators
        where school_id = ? and stakeholder_group = ? and practice_id = ?
            and key_stage = ?
        """,
        [school_id, group, practice_id, key_stage],
    )


def component_row(marts, school_id, group, component_id, key_stage="all") -> dict:
    return marts.one(
        """
        select * from marts.component_indicators
        where school_id = ? and stakeholder_group = ? and component_id = ?
            and key_stage = ?
        """,
        [school_id, group, component_id, key_stage],
    )


def count_row(marts, school_id, group, key_stage="all") -> dict:
    return marts.one(
        """
        select * from marts.response_counts
        where school_id = ? and stakeholder_group = ? and key_stage = ?
        """,
        [school_id, group, key_stage],
    )


def assert_hidden(row: dict, reason: str) -> None:
    assert row["is_suppressed"] is True
    assert row["suppression_reason"] == reason
    for figure in (
        "n_respondents",
        "score",
        "ci_lower",
        "ci_upper",
        "pct_positive",
        "dont_know_rate",
        "n_excluded",
    ):
        assert row[figure] is None, figure


def test_build_passes_data_and_unit_tests(build):
    _, result = build

    assert_dbt_succeeded(result)
    for unit_test in (
        "answer_scores_follow_scale_points",
        "quality_flags_follow_their_rules",
        "excluded_quality_flags_choose_exclusions",
        "cell_score_is_mean_of_respondent_means",
        "complementary_suppression_protects_key_stages",
        "cronbach_alpha_over_complete_cases",
    ):
        passed = [
            line
            for line in result.stdout.splitlines()
            if " PASS " in line and f"::{unit_test} " in line
        ]
        assert passed, unit_test


def test_practice_score_leaves_out_dont_know(marts):
    row = practice_row(marts, DONT_KNOW_SCHOOL, "staff", "P1.1")

    # Respondents' means: 8 x (100 + 75) / 2, then 25 (don't know left out),
    # then (50 + 50) / 2.
    means = [87.5] * 8 + [25.0, 50.0]
    sd = math.sqrt(sum((mean - 77.5) ** 2 for mean in means) / 9)
    half_width = T_975_DF_9 * sd / math.sqrt(10)
    assert row["n_respondents"] == 10
    assert row["score"] == 77.5
    assert row["ci_lower"] == pytest.approx(77.5 - half_width, abs=1e-4)
    assert row["ci_upper"] == pytest.approx(77.5 + half_width, abs=1e-4)
    assert row["is_suppressed"] is False
    assert row["suppression_reason"] is None
    assert row["bank_version"] == "test.1"
    assert row["component_id"] == "C1"


def test_pct_positive_counts_scored_answers(marts):
    row = practice_row(marts, DONT_KNOW_SCHOOL, "staff", "P1.1")

    # 16 answers of 4 or 5 among 19 scored answers.
    assert row["pct_positive"] == round(16 / 19 * 100, 4)


def test_dont_know_rate_counts_all_answers(marts):
    row = practice_row(marts, DONT_KNOW_SCHOOL, "staff", "P1.1")

    # 1 don't know among 20 answers; the too-fast response is left out.
    assert row["dont_know_rate"] == 5.0
    assert row["n_excluded"] == 1


def test_component_score_averages_respondent_means(marts):
    row = component_row(marts, DONT_KNOW_SCHOOL, "staff", "C1")

    # C1 = P1.1 and P1.2: 8 x (100 + 75 + 75) / 3, then (25 + 0) / 2, then 50.
    expected = (8 * 250 / 3 + 12.5 + 50) / 10
    assert row["n_respondents"] == 10
    assert row["score"] == round(expected, 4)
    assert row["n_items"] == 3
    # Only 8 complete cases, fewer than the threshold of 10.
    assert row["cronbach_alpha"] is None


def test_single_respondent_has_no_interval(marts):
    cell = marts.one(
        """
        select * from intermediate.int_indicator_cells_aggregated
        where school_id = ? and stakeholder_group = 'governor'
            and unit_type = 'practice'
        """,
        [DONT_KNOW_SCHOOL],
    )
    row = practice_row(marts, DONT_KNOW_SCHOOL, "governor", "P1.2")

    assert cell["n_respondents"] == 1
    assert cell["score"] == 75.0
    assert cell["ci_lower"] is None
    assert cell["ci_upper"] is None
    assert_hidden(row, "below_threshold")


def test_response_rate_uses_link_roll(marts):
    row = count_row(marts, DONT_KNOW_SCHOOL, "staff")

    assert row["n_responses"] == 11
    assert row["n_excluded"] == 1
    assert row["number_on_roll"] == 40
    assert row["response_rate"] == 27.5


def test_response_rate_falls_back_to_school_roll(marts):
    row = count_row(marts, ALPHA_SCHOOL, "staff")

    assert row["number_on_roll"] == 50
    assert row["response_rate"] == 22.0


def test_cronbach_alpha_matches_hand_computation(marts):
    row = component_row(marts, ALPHA_SCHOOL, "staff", "C1")

    items = list(zip(*ALPHA_C1_ANSWERS, strict=True))
    totals = [sum(answers) for answers in ALPHA_C1_ANSWERS]
    item_variance = sum(statistics.variance(item) for item in items)
    expected = 3 / 2 * (1 - item_variance / statistics.variance(totals))
    assert row["n_respondents"] == 11
    assert row["n_items"] == 3
    assert row["cronbach_alpha"] == round(expected, 4)


def test_suppression_at_threshold(marts):
    staff = practice_row(marts, THRESHOLD_SCHOOL, "staff", "P1.1")
    staff_component = component_row(marts, THRESHOLD_SCHOOL, "staff", "C1")
    staff_count = count_row(marts, THRESHOLD_SCHOOL, "staff")
    parent = practice_row(marts, THRESHOLD_SCHOOL, "parent", "P1.4")
    parent_count = count_row(marts, THRESHOLD_SCHOOL, "parent")

    assert_hidden(staff, "below_threshold")
    assert_hidden(staff_component, "below_threshold")
    assert staff_component["cronbach_alpha"] is None
    assert staff_count["is_suppressed"] is True
    assert staff_count["n_responses"] is None
    assert staff_count["n_excluded"] is None
    assert parent["is_suppressed"] is False
    assert parent["n_respondents"] == 10
    assert parent_count["is_suppressed"] is False
    assert parent_count["n_responses"] == 10


def test_parent_scores_at_threshold(marts):
    row = practice_row(marts, THRESHOLD_SCHOOL, "parent", "P1.4")

    scores = [0.0, 25.0, 50.0, 75.0, 100.0] * 2
    half_width = T_975_DF_9 * statistics.stdev(scores) / math.sqrt(10)
    assert row["score"] == 50.0
    assert row["ci_lower"] == pytest.approx(50.0 - half_width, abs=1e-4)
    assert row["pct_positive"] == 40.0
    assert row["dont_know_rate"] == 0.0
    assert row["n_excluded"] == 0


def test_one_question_per_component_has_no_alpha(marts):
    for component_id in ("C1", "C2"):
        row = component_row(marts, THRESHOLD_SCHOOL, "parent", component_id)

        assert row["is_suppressed"] is False
        assert row["n_items"] == 1
        assert row["cronbach_alpha"] is None


def test_adult_groups_have_only_key_stage_all(marts):
    rows = marts.rows(
        """
        select distinct key_stage from marts.practice_indicators
        where stakeholder_group not in ('pupil_primary', 'pupil_secondary')
        """
    )

    assert rows == [{"key_stage": "all"}]


@pytest.mark.parametrize("unit", ["P1.4", "P2.1", "C1", "C2"])
def test_complementary_suppression_hides_next_smallest(marts, unit):
    def row(key_stage):
        if unit.startswith("P"):
            return practice_row(
                marts, SECONDARY_SCHOOL, "pupil_secondary", unit, key_stage
            )
        return component_row(
            marts, SECONDARY_SCHOOL, "pupil_secondary", unit, key_stage
        )

    assert row("all")["n_respondents"] == 25
    assert row("KS3")["n_respondents"] == 12
    assert row("KS3")["is_suppressed"] is False
    assert_hidden(row("KS4"), "complementary")
    assert_hidden(row("KS5"), "below_threshold")


def test_complementary_suppression_of_response_counts(marts):
    all_pupils = count_row(marts, SECONDARY_SCHOOL, "pupil_secondary")
    key_stage_3 = count_row(marts, SECONDARY_SCHOOL, "pupil_secondary", "KS3")
    key_stage_4 = count_row(marts, SECONDARY_SCHOOL, "pupil_secondary", "KS4")
    key_stage_5 = count_row(marts, SECONDARY_SCHOOL, "pupil_secondary", "KS5")

    assert all_pupils["n_responses"] == 25
    assert all_pupils["response_rate"] == round(25 / 300 * 100, 4)
    assert key_stage_3["n_responses"] == 12
    assert key_stage_3["number_on_roll"] is None
    assert key_stage_4["suppression_reason"] == "complementary"
    assert key_stage_4["n_responses"] is None
    assert key_stage_5["suppression_reason"] == "below_threshold"
    assert key_stage_5["n_responses"] is None


def test_complementary_suppression_hides_every_key_stage(marts):
    everyone = practice_row(marts, PRIMARY_SCHOOL, "pupil_primary", "P1.4")
    key_stage_2 = practice_row(marts, PRIMARY_SCHOOL, "pupil_primary", "P1.4", "KS2")
    not_stated = practice_row(
        marts, PRIMARY_SCHOOL, "pupil_primary", "P1.4", "not_stated"
    )
    counts = marts.rows(
        """
        select key_stage, suppression_reason from marts.response_counts
        where school_id = ? order by key_stage
        """,
        [PRIMARY_SCHOOL],
    )

    assert everyone["n_respondents"] == 17
    assert everyone["is_suppressed"] is False
    assert_hidden(key_stage_2, "complementary")
    assert_hidden(not_stated, "below_threshold")
    assert counts == [
        {"key_stage": "KS2", "suppression_reason": "complementary"},
        {"key_stage": "all", "suppression_reason": None},
        {"key_stage": "not_stated", "suppression_reason": "below_threshold"},
    ]


@pytest.mark.parametrize(
    ("case", "too_fast", "straight_lining", "too_few_answers"),
    [
        ("four_alike", False, False, False),
        ("straight_lining", False, True, False),
        ("too_few_answers", False, False, True),
        ("too_fast", True, False, False),
    ],
)
def test_quality_flags(marts, case, too_fast, straight_lining, too_few_answers):
    row = marts.one(
        "select * from intermediate.int_responses_flagged where response_seq = ?",
        [RESPONSE_SEQS[case]],
    )

    assert row["is_too_fast"] is too_fast
    assert row["is_straight_lining"] is straight_lining
    assert row["is_too_few_answers"] is too_few_answers
    assert row["is_excluded"] is (too_fast or straight_lining or too_few_answers)


def test_excluded_responses_counted_per_cell(marts):
    practice_1_1 = practice_row(marts, FLAGS_SCHOOL, "staff", "P1.1")
    practice_1_2 = practice_row(marts, FLAGS_SCHOOL, "staff", "P1.2")
    counts = count_row(marts, FLAGS_SCHOOL, "staff")

    assert practice_1_1["n_respondents"] == 11
    assert practice_1_1["n_excluded"] == 3
    # The too-few-answers response answered don't know to P1.2.
    assert practice_1_2["n_respondents"] == 11
    assert practice_1_2["n_excluded"] == 2
    assert counts["n_responses"] == 14
    assert counts["n_excluded"] == 3


def test_empty_window_has_no_indicators(marts):
    indicators = marts.rows(
        """
        select school_id from marts.practice_indicators where school_id = ?
        union all
        select school_id from marts.component_indicators where school_id = ?
        """,
        [EMPTY_SCHOOL, EMPTY_SCHOOL],
    )
    counts = count_row(marts, EMPTY_SCHOOL, "staff")

    assert indicators == []
    assert counts["is_suppressed"] is True
    assert counts["suppression_reason"] == "below_threshold"
    assert counts["n_responses"] is None
    assert counts["number_on_roll"] == 30
    assert counts["response_rate"] is None


def test_reference_bank_covers_every_practice(marts):
    practices = marts.rows(
        """
        select practice_id, n_respondents from marts.practice_indicators
        where school_id = ? and not is_suppressed
        """,
        [REFERENCE_SCHOOL],
    )
    components = marts.rows(
        """
        select component_id from marts.component_indicators
        where school_id = ? and not is_suppressed
        """,
        [REFERENCE_SCHOOL],
    )

    # Staff answer one statement per practice of the framework.
    assert len(practices) == 40
    assert len(components) == 7


def test_settings_mart_records_vars(marts):
    row = marts.one("select * from marts.settings")

    assert row == {
        "disclosure_threshold": 10,
        "excluded_quality_flags": "straight_lining,too_fast,too_few_answers",
    }


def test_dimension_marts_are_filled(marts):
    components = marts.rows("select * from marts.components")
    practices = marts.rows("select * from marts.practices")
    windows = marts.rows("select * from marts.survey_windows")
    question = marts.one(
        "select * from marts.questions where bank_version = 'test.1'"
        " and question_id = 'pri-P1.4-a'"
    )

    assert len(components) == 7
    assert len(practices) == 40
    assert len(windows) == 8
    assert question["component_id"] == "C1"
    assert question["labels"] == ["No", "Sometimes", "Yes"]
    assert question["positive_from"] == 3


def test_marts_are_deterministic(marts, dbt_work_dir):
    second_path = dbt_work_dir / "second.duckdb"
    warehouse = RawWarehouse(second_path)
    fill_warehouse(warehouse)
    warehouse.close()

    result = run_dbt(
        "build",
        second_path,
        dbt_work_dir / "second",
        "--exclude-resource-type",
        "test",
        "--exclude-resource-type",
        "unit_test",
    )
    assert_dbt_succeeded(result)
    second = Marts(second_path)
    tables = [
        row["table_name"]
        for row in marts.rows(
            "select table_name from information_schema.tables"
            " where table_schema = 'marts' order by 1"
        )
    ]
    assert "practice_indicators" in tables
    for table in tables:
        query = f"select * from marts.{table}"  # noqa: S608 (names from the catalog)
        assert marts.rows(query) == second.rows(query), table


def test_threshold_below_five_is_rejected(dbt_work_dir):
    path = dbt_work_dir / "threshold.duckdb"
    RawWarehouse(path).close()

    result = run_dbt(
        "build",
        path,
        dbt_work_dir / "threshold",
        "--select",
        "settings",
        "--vars",
        "{disclosure_threshold: 4}",
    )

    tables = Marts(path).rows(
        "select table_name from information_schema.tables where table_schema = 'marts'"
    )
    assert result.returncode != 0
    assert "disclosure_threshold 4 is below 5" in result.stdout
    assert tables == []
