"""Suites on the marts that the app, exports and reports publish.

Each indicator mart shares the same checks on its figures and its suppression
of small groups; a new mart's suite lists its columns and adds its own checks
to `indicator_expectations`.
"""

from collections.abc import Sequence

from survey_app.models.reference import STAKEHOLDER_GROUPS

from .._gx import Column, gxe
from .base import (
    Expectation,
    WarehouseFacts,
    at_least,
    between,
    in_set,
    is_false,
    is_true,
    not_null,
    null,
    percentages,
    suite,
    unique_key,
)

PUPIL_GROUPS = ("pupil_primary", "pupil_secondary")
KEY_STAGES = ("all", "KS1", "KS2", "KS3", "KS4", "KS5", "not_stated")
SUPPRESSION_REASONS = ("below_threshold", "complementary")

CELL_KEY = ("school_id", "academic_year", "stakeholder_group", "key_stage")
INDICATOR_FIGURES = (
    "n_respondents",
    "score",
    "ci_lower",
    "ci_upper",
    "pct_positive",
    "dont_know_rate",
    "n_excluded",
)
INDICATOR_COLUMNS = (
    *INDICATOR_FIGURES,
    "is_suppressed",
    "suppression_reason",
    "bank_version",
)


def cell_expectations(key: Sequence[str], key_description: str) -> list[Expectation]:
    """Expect a unique, complete key of a school x year x group x key stage cell."""
    return [
        *unique_key(key, key_description),
        in_set(
            "stakeholder_group",
            STAKEHOLDER_GROUPS,
            "Every stakeholder group is a known group",
        ),
        in_set("key_stage", KEY_STAGES, "Every key stage is a known key stage"),
        in_set(
            "key_stage",
            ["all"],
            "Only pupils are split by key stage",
            row_condition=Column("stakeholder_group").is_not_in(PUPIL_GROUPS),
        ),
        gxe.ExpectColumnValuesToMatchRegex(
            column="academic_year",
            regex=r"^\d{4}/\d{2}$",
            description="Academic years are labelled like 2024/25",
        ),
        not_null("is_suppressed", "Every cell says whether it is suppressed"),
    ]


def suppression_expectations(
    threshold: int,
    count_column: str,
    shown: Sequence[str],
    hidden: Sequence[str],
) -> list[Expectation]:
    """Expect small cells to be suppressed, with every figure in hidden null.

    A published cell must show each figure in shown, and no suppressed cell
    may show any figure in hidden.
    """
    published = is_false("is_suppressed")
    suppressed = is_true("is_suppressed")
    return [
        between(
            count_column,
            f"No published cell has fewer than {threshold} respondents"
            " (disclosure_threshold in marts.settings)",
            min_value=threshold,
            row_condition=published,
        ),
        *(
            not_null(figure, f"Every published cell shows its {figure}", published)
            for figure in shown
        ),
        *(
            null(figure, f"A suppressed cell shows no {figure}", suppressed)
            for figure in hidden
        ),
        in_set(
            "suppression_reason",
            SUPPRESSION_REASONS,
            "Every suppressed cell has a known suppression reason",
            row_condition=suppressed,
        ),
        not_null(
            "suppression_reason",
            "Every suppressed cell has a suppression reason",
            row_condition=suppressed,
        ),
        null(
            "suppression_reason",
            "A published cell has no suppression reason",
            row_condition=published,
        ),
    ]


def indicator_expectations(
    facts: WarehouseFacts, key: Sequence[str], hidden: Sequence[str]
) -> list[Expectation]:
    """Expect the checks every indicator mart shares: key, figures, suppression.

    hidden lists the figures that a suppressed cell must leave null.
    """
    return [
        *cell_expectations(key, "Each indicator cell appears once"),
        *percentages(
            ("score", "ci_lower", "ci_upper", "pct_positive", "dont_know_rate")
        ),
        at_least("score", "ci_lower", "ci_lower is at most score"),
        at_least("ci_upper", "score", "score is at most ci_upper"),
        between("n_excluded", "n_excluded is not negative", min_value=0),
        *suppression_expectations(
            facts.disclosure_threshold, "n_respondents", INDICATOR_FIGURES, hidden
        ),
    ]


def known_components(facts: WarehouseFacts) -> Expectation:
    return in_set(
        "component_id",
        facts.component_ids,
        "Every component_id is a component of the framework (marts.components)",
    )


@suite(
    "marts.settings.critical",
    table="marts.settings",
    columns=("disclosure_threshold", "excluded_quality_flags"),
    row_key=("disclosure_threshold",),
)
def settings(facts: WarehouseFacts) -> list[Expectation]:
    """The build's settings: one row with a disclosure threshold of at least 5."""
    return [
        gxe.ExpectTableRowCountToEqual(
            value=1, description="marts.settings has exactly one row"
        ),
        not_null("disclosure_threshold", "The disclosure threshold is set"),
        between(
            "disclosure_threshold",
            "The disclosure threshold is at least 5",
            min_value=5,
        ),
    ]


COMPONENT_KEY = (*CELL_KEY, "component_id")
# n_items, the number of questions in the component, describes the
# questionnaire rather than the respondents, so a suppressed cell keeps it.
COMPONENT_HIDDEN_FIGURES = (*INDICATOR_FIGURES, "cronbach_alpha")


@suite(
    "marts.component_indicators.critical",
    table="marts.component_indicators",
    columns=(*COMPONENT_KEY, *INDICATOR_COLUMNS, "cronbach_alpha", "n_items"),
    row_key=COMPONENT_KEY,
)
def component_indicators(facts: WarehouseFacts) -> list[Expectation]:
    """Component scores with their intervals, suppressed below the threshold."""
    return [
        *indicator_expectations(facts, COMPONENT_KEY, COMPONENT_HIDDEN_FIGURES),
        known_components(facts),
        between("cronbach_alpha", "cronbach_alpha is at most 1", max_value=1),
        between("n_items", "A component has at least one item", min_value=1),
    ]


PRACTICE_KEY = (*CELL_KEY, "practice_id")


@suite(
    "marts.practice_indicators.critical",
    table="marts.practice_indicators",
    columns=(*PRACTICE_KEY, "component_id", *INDICATOR_COLUMNS),
    row_key=PRACTICE_KEY,
)
def practice_indicators(facts: WarehouseFacts) -> list[Expectation]:
    """Practice scores with their intervals, suppressed below the threshold."""
    practice_components = facts.practice_components
    return [
        *indicator_expectations(facts, PRACTICE_KEY, INDICATOR_FIGURES),
        in_set(
            "practice_id",
            [practice_id for practice_id, _ in practice_components],
            "Every practice_id is a practice of the framework (marts.practices)",
        ),
        known_components(facts),
        # TODO: GX's pandas engine checks this pair row by row, about 55 us a
        # row: 62 s of validation for the 1.1 million rows of 1,000,000
        # responses. A check on one derived column would be vectorised.
        gxe.ExpectColumnPairValuesToBeInSet(
            column_A="practice_id",
            column_B="component_id",
            value_pairs_set=practice_components,
            ignore_row_if="either_value_is_missing",
            description="Every practice sits under its own component",
        ),
    ]


RESPONSE_COUNT_FIGURES = ("n_responses", "n_excluded", "response_rate")
RESPONSE_COUNT_COLUMNS = (
    *RESPONSE_COUNT_FIGURES,
    "number_on_roll",
    "is_suppressed",
    "suppression_reason",
)


@suite(
    "marts.response_counts.critical",
    table="marts.response_counts",
    columns=(*CELL_KEY, *RESPONSE_COUNT_COLUMNS),
    row_key=CELL_KEY,
)
def response_counts(facts: WarehouseFacts) -> list[Expectation]:
    """Response counts per cell, suppressed below the threshold."""
    return [
        *cell_expectations(CELL_KEY, "Each response count cell appears once"),
        between("n_responses", "n_responses is not negative", min_value=0),
        between("n_excluded", "n_excluded is not negative", min_value=0),
        between("number_on_roll", "number_on_roll is not negative", min_value=0),
        between("response_rate", "response_rate is not negative", min_value=0),
        *suppression_expectations(
            facts.disclosure_threshold,
            "n_responses",
            shown=("n_responses", "n_excluded"),
            hidden=RESPONSE_COUNT_FIGURES,
        ),
    ]


@suite(
    "marts.response_counts.warning",
    table="marts.response_counts",
    columns=(*CELL_KEY, "response_rate", "number_on_roll", "n_responses"),
    row_key=CELL_KEY,
)
def response_count_warnings(facts: WarehouseFacts) -> list[Expectation]:
    """Response rates above 100%, which point to an out-of-date number on roll."""
    return [
        between(
            "response_rate",
            "response_rate is at most 100 (else update the school's number on roll)",
            max_value=100,
        ),
    ]
