"""Suites on the borough marts: figures across schools and their year-on-year change.

A published borough figure counts at least disclosure_threshold respondents
from at least MINIMUM_SCHOOLS schools, and a suppressed one shows nothing. A
change is shown only when it was compared, and its significance must follow
from its interval.
"""

from survey_app.models.reference import STAKEHOLDER_GROUPS

from .._gx import Column, gxe

# Imported first so that the core mart suites, marts.settings first, are
# registered and run before these.
from . import marts  # noqa: F401
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

# The floor of the dbt var borough_minimum_schools, which the build rejects
# below this value. A higher var is checked by the dbt tests.
MINIMUM_SCHOOLS = 3
PHASES = ("all", "primary", "secondary", "special", "all_through")
INDICATOR_LEVELS = ("component", "practice")
SUPPRESSION_REASONS = ("below_threshold", "too_few_schools", "complementary")
CHANGE_STATUSES = ("compared", "suppressed", "not_comparable")

FIGURE_KEY = (
    "academic_year",
    "stakeholder_group",
    "phase",
    "indicator_level",
    "indicator_id",
)
INDICATOR_FIGURES = (
    "n_schools",
    "n_respondents",
    "score",
    "ci_lower",
    "ci_upper",
    "pct_positive",
)


def _key_expectations(key: tuple[str, ...], description: str) -> list[Expectation]:
    return [
        *unique_key(key, description),
        in_set(
            "stakeholder_group",
            STAKEHOLDER_GROUPS,
            "Every stakeholder group is a known group",
        ),
        in_set("phase", PHASES, "Every phase is all or a known phase"),
    ]


def _suppression_expectations(
    facts: WarehouseFacts, count_column: str, figures: tuple[str, ...]
) -> list[Expectation]:
    """Expect published rows to be large enough and suppressed rows to be blank."""
    published = is_false("is_suppressed")
    suppressed = is_true("is_suppressed")
    return [
        not_null("is_suppressed", "Every row says whether it is suppressed"),
        between(
            count_column,
            f"No published borough figure has fewer than "
            f"{facts.disclosure_threshold} respondents"
            " (disclosure_threshold in marts.settings)",
            min_value=facts.disclosure_threshold,
            row_condition=published,
        ),
        between(
            "n_schools",
            f"No published borough figure comes from fewer than "
            f"{MINIMUM_SCHOOLS} schools",
            min_value=MINIMUM_SCHOOLS,
            row_condition=published,
        ),
        *(
            null(figure, f"A suppressed borough figure shows no {figure}", suppressed)
            for figure in figures
        ),
        *(
            not_null(
                figure, f"A published borough figure shows its {figure}", published
            )
            for figure in (count_column, "n_schools")
        ),
        in_set(
            "suppression_reason",
            SUPPRESSION_REASONS,
            "Every suppressed borough figure has a known reason",
            row_condition=suppressed,
        ),
        not_null(
            "suppression_reason",
            "Every suppressed borough figure has a reason",
            row_condition=suppressed,
        ),
        null(
            "suppression_reason",
            "A published borough figure has no suppression reason",
            row_condition=published,
        ),
    ]


@suite(
    "marts.borough_indicators.critical",
    table="marts.borough_indicators",
    columns=(
        *FIGURE_KEY,
        "component_id",
        *INDICATOR_FIGURES,
        "is_suppressed",
        "suppression_reason",
    ),
    row_key=FIGURE_KEY,
)
def borough_indicators(facts: WarehouseFacts) -> list[Expectation]:
    """Borough figures: enough respondents and schools, or nothing shown."""
    return [
        *_key_expectations(FIGURE_KEY, "Each borough figure appears once"),
        in_set(
            "indicator_level",
            INDICATOR_LEVELS,
            "Every indicator is a component or a practice",
        ),
        not_null("component_id", "Every indicator has a component"),
        *_suppression_expectations(facts, "n_respondents", INDICATOR_FIGURES),
        between("score", "Borough scores run from 0 to 100", 0, 100),
        *percentages(["pct_positive"]),
        at_least("score", "ci_lower", "ci_lower is at most the score"),
        at_least("ci_upper", "score", "The score is at most ci_upper"),
    ]


@suite(
    "marts.borough_response_counts.critical",
    table="marts.borough_response_counts",
    columns=(
        "academic_year",
        "stakeholder_group",
        "phase",
        "n_schools_surveyed",
        "n_schools",
        "n_responses",
        "n_excluded",
        "number_on_roll",
        "response_rate",
        "response_rate_known_roll",
        "is_suppressed",
        "suppression_reason",
    ),
    row_key=("academic_year", "stakeholder_group", "phase"),
)
def borough_response_counts(facts: WarehouseFacts) -> list[Expectation]:
    """Borough response counts: enough responses and schools, or nothing shown."""
    return [
        *_key_expectations(
            ("academic_year", "stakeholder_group", "phase"),
            "Each borough response count appears once",
        ),
        not_null("n_schools_surveyed", "Every row counts the schools surveyed"),
        *_suppression_expectations(
            facts,
            "n_responses",
            (
                "n_schools",
                "n_responses",
                "n_excluded",
                "response_rate",
                "response_rate_known_roll",
            ),
        ),
        # Counts are nullable integers, which GX cannot compare with a
        # missing value, so only published rows are compared.
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="n_schools_surveyed",
            column_B="n_schools",
            or_equal=True,
            row_condition=is_false("is_suppressed"),
            description="No more schools responded than were surveyed",
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="n_responses",
            column_B="n_excluded",
            or_equal=True,
            row_condition=is_false("is_suppressed"),
            description="No more responses are excluded than were given",
        ),
        between("response_rate", "Response rates are not negative", min_value=0),
        between(
            "response_rate_known_roll",
            "Response rates over the schools with a known roll are not negative",
            min_value=0,
        ),
    ]


CHANGE_FIGURES = (
    "n_respondents_previous",
    "n_respondents",
    "score_change",
    "change_ci_lower",
    "change_ci_upper",
    "is_significant",
)


@suite(
    "marts.borough_changes.critical",
    table="marts.borough_changes",
    columns=(
        *FIGURE_KEY,
        "previous_academic_year",
        "n_questions_compared",
        "n_questions_total",
        "is_partial",
        "change_status",
        *CHANGE_FIGURES,
        "is_suppressed",
    ),
    row_key=FIGURE_KEY,
)
def borough_changes(facts: WarehouseFacts) -> list[Expectation]:
    """Year-on-year changes: shown only when compared, significant by the interval."""
    compared = Column("change_status") == "compared"
    not_compared = Column("change_status") != "compared"
    not_significant = compared & (Column("is_significant") == False)  # noqa: E712
    return [
        *_key_expectations(FIGURE_KEY, "Each borough change appears once"),
        in_set("change_status", CHANGE_STATUSES, "Every status is a known status"),
        not_null("previous_academic_year", "Every change names the year before"),
        not_null("is_partial", "Every change says whether it is partial"),
        between(
            "n_questions_compared",
            "The questions compared are not negative",
            min_value=0,
        ),
        at_least(
            "n_questions_total",
            "n_questions_compared",
            "No more questions are compared than were asked",
        ),
        in_set(
            "change_status",
            ["not_comparable"],
            "A change with no question in common is not comparable",
            row_condition=Column("n_questions_compared") == 0,
        ),
        *(
            null(figure, f"A change not compared shows no {figure}", not_compared)
            for figure in CHANGE_FIGURES
        ),
        *(
            not_null(figure, f"A compared change shows its {figure}", compared)
            for figure in CHANGE_FIGURES
        ),
        *(
            between(
                count,
                f"No compared year has fewer than {facts.disclosure_threshold}"
                " respondents (disclosure_threshold in marts.settings)",
                min_value=facts.disclosure_threshold,
                row_condition=compared,
            )
            for count in ("n_respondents_previous", "n_respondents")
        ),
        at_least(
            "score_change", "change_ci_lower", "change_ci_lower is at most the change"
        ),
        at_least(
            "change_ci_upper", "score_change", "The change is at most change_ci_upper"
        ),
        between(
            "change_ci_lower",
            "A change flagged not significant has an interval reaching down to 0",
            max_value=0,
            row_condition=not_significant,
        ),
        between(
            "change_ci_upper",
            "A change flagged not significant has an interval reaching up to 0",
            min_value=0,
            row_condition=not_significant,
        ),
        in_set(
            "is_significant",
            [True],
            "A change whose interval lies above 0 is flagged significant",
            row_condition=compared & (Column("change_ci_lower") > 0),
        ),
        in_set(
            "is_significant",
            [True],
            "A change whose interval lies below 0 is flagged significant",
            row_condition=compared & (Column("change_ci_upper") < 0),
        ),
    ]
