"""Suites on the self-review marts: the comparison and the next step impacts.

The comparison's reading must follow from the interval and the self-review
score, and no suppressed group may show a figure or a gap. An impact shows
figures only when both years' cells are published.
"""

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
    suite,
    unique_key,
)

GAP_READINGS = ("blind_spot", "hidden_strength", "no_clear_gap", "suppressed")
IMPACT_STATUSES = (
    "measured",
    "awaiting_results",
    "no_baseline",
    "not_asked",
    "suppressed",
)

COMPARISON_KEY = (
    "self_review_id",
    "indicator_level",
    "indicator_id",
    "stakeholder_group",
)
COMPARISON_FIGURES = ("n_respondents", "group_score", "ci_lower", "ci_upper")


def _reading_is(reading: str) -> object:
    return Column("gap_reading") == reading


@suite(
    "marts.self_review_comparisons.critical",
    table="marts.self_review_comparisons",
    columns=(
        *COMPARISON_KEY,
        "school_id",
        "academic_year",
        "self_review_score",
        *COMPARISON_FIGURES,
        "is_suppressed",
        "score_gap",
        "gap_reading",
    ),
    row_key=COMPARISON_KEY,
)
def self_review_comparisons(facts: WarehouseFacts) -> list[Expectation]:
    """Self-review scores beside each group: readings follow the interval strictly."""
    published = is_false("is_suppressed")
    suppressed = is_true("is_suppressed")
    return [
        *unique_key(
            COMPARISON_KEY, "Each self-review indicator and group appears once"
        ),
        in_set(
            "stakeholder_group",
            STAKEHOLDER_GROUPS,
            "Every stakeholder group is a known group",
        ),
        in_set("gap_reading", GAP_READINGS, "Every reading is a known reading"),
        not_null("self_review_score", "Every row has a self-review score"),
        between("self_review_score", "Self-review scores run from 0 to 100", 0, 100),
        not_null("is_suppressed", "Every row says whether the group is suppressed"),
        between(
            "n_respondents",
            f"No compared group has fewer than {facts.disclosure_threshold}"
            " respondents (disclosure_threshold in marts.settings)",
            min_value=facts.disclosure_threshold,
            row_condition=published,
        ),
        *(
            null(figure, f"A suppressed group shows no {figure}", suppressed)
            for figure in (*COMPARISON_FIGURES, "score_gap")
        ),
        in_set(
            "gap_reading",
            ["suppressed"],
            "A suppressed group always reads as suppressed",
            row_condition=suppressed,
        ),
        *(
            not_null(figure, f"A compared group shows its {figure}", published)
            for figure in (*COMPARISON_FIGURES, "score_gap")
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="self_review_score",
            column_B="ci_upper",
            or_equal=False,
            row_condition=_reading_is("blind_spot"),
            description="A blind spot's whole interval lies below the self-review",
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="ci_lower",
            column_B="self_review_score",
            or_equal=False,
            row_condition=_reading_is("hidden_strength"),
            description="A hidden strength's whole interval lies above the self-review",
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="self_review_score",
            column_B="ci_lower",
            or_equal=True,
            row_condition=_reading_is("no_clear_gap"),
            description="With no clear gap, ci_lower is at most the self-review",
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="ci_upper",
            column_B="self_review_score",
            or_equal=True,
            row_condition=_reading_is("no_clear_gap"),
            description="With no clear gap, ci_upper is at least the self-review",
        ),
    ]


IMPACT_KEY = ("next_step_id", "indicator_id")
IMPACT_FIGURES = (
    "baseline_n",
    "baseline_score",
    "follow_up_n",
    "follow_up_score",
    "score_change",
    "change_ci_lower",
    "change_ci_upper",
    "is_beyond_chance",
)


@suite(
    "marts.next_step_impacts.critical",
    table="marts.next_step_impacts",
    columns=(*IMPACT_KEY, "school_id", "is_targeted", "impact_status", *IMPACT_FIGURES),
    row_key=IMPACT_KEY,
)
def next_step_impacts(facts: WarehouseFacts) -> list[Expectation]:
    """Next steps' changes: figures only where both years' cells are published."""
    measured = Column("impact_status") == "measured"
    not_measured = Column("impact_status") != "measured"
    return [
        *unique_key(IMPACT_KEY, "Each next step and indicator appears once"),
        in_set("impact_status", IMPACT_STATUSES, "Every status is a known status"),
        not_null("is_targeted", "Every row says whether the step targets it"),
        *(
            null(figure, f"A row not measured shows no {figure}", not_measured)
            for figure in IMPACT_FIGURES
        ),
        *(
            not_null(figure, f"A measured row shows its {figure}", measured)
            for figure in IMPACT_FIGURES
        ),
        *(
            between(
                count,
                f"No measured cell has fewer than {facts.disclosure_threshold}"
                " respondents (disclosure_threshold in marts.settings)",
                min_value=facts.disclosure_threshold,
                row_condition=measured,
            )
            for count in ("baseline_n", "follow_up_n")
        ),
        at_least(
            "score_change",
            "change_ci_lower",
            "change_ci_lower is at most the change",
        ),
        at_least(
            "change_ci_upper",
            "score_change",
            "The change is at most change_ci_upper",
        ),
    ]
