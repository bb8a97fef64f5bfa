"""Suites on the raw tables, run before dbt builds anything from them.

Checks that relate two tables read a join made in SQL, and expect the joined
columns to be present and to agree.
"""

from survey_app.models.reference import STAKEHOLDER_GROUPS

from .._gx import Column, gxe
from .base import (
    Expectation,
    WarehouseFacts,
    at_least,
    between,
    equal,
    in_set,
    is_false,
    is_true,
    not_null,
    null,
    suite,
    unique_key,
)

ANSWERS_QUERY = """
select
    answers.response_seq,
    answers.question_id,
    answers.value,
    answers.is_dont_know,
    responses.response_id,
    responses.stakeholder_group as response_group,
    questions.question_id as known_question_id,
    questions.stakeholder_group as question_group,
    scales.points as scale_points,
    scales.dont_know_label
from raw.answers as answers
left join raw.responses as responses
    on answers.response_seq = responses.response_seq
left join raw.questions as questions
    on responses.bank_version = questions.bank_version
    and answers.question_id = questions.question_id
left join raw.bank_groups as bank_groups
    on questions.bank_version = bank_groups.bank_version
    and questions.stakeholder_group = bank_groups.stakeholder_group
left join raw.scales as scales
    on bank_groups.bank_version = scales.bank_version
    and bank_groups.scale_id = scales.scale_id
"""


@suite(
    "raw.answers.critical",
    query=ANSWERS_QUERY,
    row_key=("response_seq", "question_id"),
    partition_by="response_seq",
)
def answers(facts: WarehouseFacts) -> list[Expectation]:
    """Each answer is a value on its question's scale, or don't know."""
    return [
        *unique_key(
            ("response_seq", "question_id"),
            "A response answers each question at most once",
        ),
        not_null("response_id", "Every answer belongs to a loaded response"),
        not_null(
            "known_question_id",
            "Every answer's question is in its response's question bank version",
        ),
        equal(
            "question_group",
            "response_group",
            "Every answer's question is asked of its response's stakeholder group",
        ),
        not_null("is_dont_know", "Every answer says whether it is don't know"),
        between("value", "Every answer value is at least 1", min_value=1),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="scale_points",
            column_B="value",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
            description="Every answer value is at most its scale's number of points",
        ),
        null(
            "value",
            "A don't-know answer has no value",
            row_condition=is_true("is_dont_know"),
        ),
        not_null(
            "value",
            "An answer other than don't know has a value",
            row_condition=is_false("is_dont_know"),
        ),
        not_null(
            "dont_know_label",
            "Don't know is given only on scales that offer it",
            row_condition=is_true("is_dont_know"),
        ),
    ]


# An academic year runs from 1 September to 31 August and is labelled like
# 2024/25: the year of the date 8 months earlier, then the last two digits of
# the year of the date 4 months later.
RESPONSES_QUERY = """
select
    responses.response_seq,
    responses.response_id,
    responses.window_id,
    responses.link_id,
    responses.stakeholder_group,
    responses.bank_version,
    responses.submitted_on,
    responses.year_group,
    strftime(responses.submitted_on - interval 8 month, '%Y')
        || '/' || strftime(responses.submitted_on + interval 4 month, '%y')
        as submitted_academic_year,
    survey_windows.academic_year as window_academic_year,
    survey_windows.bank_version as window_bank_version,
    survey_links.window_id as link_window_id,
    survey_links.stakeholder_group as link_group
from raw.responses as responses
left join raw.survey_windows as survey_windows
    on responses.window_id = survey_windows.window_id
left join raw.survey_links as survey_links
    on responses.link_id = survey_links.link_id
"""


# TODO: this suite is read whole, one row per response. Validating the raw
# suites on 1,000,000 responses peaked at 1.3 GB RSS, set by this suite
# (GX Core 1.24.1), which is under the 2 GB budget but grows with responses.
# Slicing it by response_seq needs "Response ids are unique" checked another
# way first, because uniqueness of response_id is a check on the whole table.
@suite(
    "raw.responses.critical",
    query=RESPONSES_QUERY,
    row_key=("response_seq", "window_id"),
)
def responses(facts: WarehouseFacts) -> list[Expectation]:
    """Each response belongs to a known window and was submitted in its year."""
    return [
        *unique_key(("response_id",), "Response ids are unique"),
        *unique_key(("response_seq",), "Response sequence numbers are unique"),
        in_set(
            "stakeholder_group",
            STAKEHOLDER_GROUPS,
            "Every response's stakeholder group is a known group",
        ),
        not_null("submitted_on", "Every response has a submission date"),
        not_null("window_academic_year", "Every response's survey window is loaded"),
        equal(
            "submitted_academic_year",
            "window_academic_year",
            "Every response was submitted in its window's academic year",
        ),
        equal(
            "bank_version",
            "window_bank_version",
            "Every response used its window's question bank version",
        ),
        not_null(
            "link_window_id",
            "Every response's survey link is loaded",
            row_condition=Column("link_id").is_not_null(),
        ),
        equal(
            "link_window_id",
            "window_id",
            "Every response's survey link belongs to the response's window",
        ),
        equal(
            "link_group",
            "stakeholder_group",
            "Every response's stakeholder group is its survey link's group",
        ),
        between(
            "year_group",
            "A stated year group is between 1 and 13",
            min_value=1,
            max_value=13,
        ),
    ]


SURVEY_WINDOWS_QUERY = """
select
    survey_windows.window_id,
    survey_windows.school_id,
    survey_windows.academic_year,
    survey_windows.opens_on,
    survey_windows.closes_on,
    survey_windows.bank_version,
    strftime(survey_windows.opens_on - interval 8 month, '%Y')
        || '/' || strftime(survey_windows.opens_on + interval 4 month, '%y')
        as opens_academic_year,
    strftime(survey_windows.closes_on - interval 8 month, '%Y')
        || '/' || strftime(survey_windows.closes_on + interval 4 month, '%y')
        as closes_academic_year,
    schools.school_id as known_school_id,
    question_bank_versions.bank_version as known_bank_version
from raw.survey_windows as survey_windows
left join raw.schools as schools
    on survey_windows.school_id = schools.school_id
left join raw.question_bank_versions as question_bank_versions
    on survey_windows.bank_version = question_bank_versions.bank_version
"""


@suite(
    "raw.survey_windows.critical",
    query=SURVEY_WINDOWS_QUERY,
    row_key=("window_id", "school_id", "academic_year"),
)
def survey_windows(facts: WarehouseFacts) -> list[Expectation]:
    """Each window lies within the academic year it is labelled with."""
    return [
        *unique_key(("window_id",), "Window ids are unique"),
        *unique_key(
            ("school_id", "academic_year"),
            "A school has at most one window per academic year",
        ),
        gxe.ExpectColumnValuesToMatchRegex(
            column="academic_year",
            regex=r"^\d{4}/\d{2}$",
            description="Academic years are labelled like 2024/25",
        ),
        equal(
            "opens_academic_year",
            "academic_year",
            "Every window opens in its academic year",
        ),
        equal(
            "closes_academic_year",
            "academic_year",
            "Every window closes in its academic year",
        ),
        at_least("closes_on", "opens_on", "Every window closes on or after it opens"),
        not_null("known_school_id", "Every window's school is loaded"),
        not_null(
            "known_bank_version", "Every window's question bank version is loaded"
        ),
    ]


QUESTIONS_QUERY = """
select
    questions.bank_version,
    questions.question_id,
    questions.stakeholder_group,
    questions.practice_id,
    practices.practice_id as framework_practice_id,
    scales.points as scale_points
from raw.questions as questions
left join raw.question_bank_versions as question_bank_versions
    on questions.bank_version = question_bank_versions.bank_version
left join raw.practices as practices
    on question_bank_versions.framework_version = practices.framework_version
    and questions.practice_id = practices.practice_id
left join raw.bank_groups as bank_groups
    on questions.bank_version = bank_groups.bank_version
    and questions.stakeholder_group = bank_groups.stakeholder_group
left join raw.scales as scales
    on bank_groups.bank_version = scales.bank_version
    and bank_groups.scale_id = scales.scale_id
"""


@suite(
    "raw.questions.critical",
    query=QUESTIONS_QUERY,
    row_key=("bank_version", "question_id"),
)
def questions(facts: WarehouseFacts) -> list[Expectation]:
    """Each question measures a practice of its bank's framework, on a scale."""
    return [
        *unique_key(
            ("bank_version", "question_id"),
            "Question ids are unique within a question bank version",
        ),
        in_set(
            "stakeholder_group",
            STAKEHOLDER_GROUPS,
            "Every question's stakeholder group is a known group",
        ),
        not_null(
            "framework_practice_id",
            "Every question's practice is in the framework of its bank version",
        ),
        not_null(
            "scale_points",
            "Every question's group has a scale in its bank version",
        ),
    ]


QUESTION_DEFINITIONS_QUERY = """
select distinct
    questions.question_id,
    questions.stakeholder_group,
    questions.practice_id,
    questions.text,
    scales.points as scale_points,
    scales.positive_from as scale_positive_from,
    scales.labels_json as scale_labels_json
from raw.questions as questions
left join raw.bank_groups as bank_groups
    on questions.bank_version = bank_groups.bank_version
    and questions.stakeholder_group = bank_groups.stakeholder_group
left join raw.scales as scales
    on bank_groups.bank_version = scales.bank_version
    and bank_groups.scale_id = scales.scale_id
"""


@suite(
    "raw.question_ids.critical",
    query=QUESTION_DEFINITIONS_QUERY,
    row_key=("question_id", "stakeholder_group", "practice_id", "scale_points"),
)
def question_ids(facts: WarehouseFacts) -> list[Expectation]:
    """A question id means the same question in every bank version.

    Year-to-year comparisons rely on this: an id reused in a later bank
    version must keep its wording, group, practice and scale.
    """
    return [
        gxe.ExpectColumnValuesToBeUnique(
            column="question_id",
            description=(
                "Each question id has one wording, group, practice and scale"
                " across bank versions"
            ),
        ),
    ]


PRACTICES_QUERY = """
select
    practices.framework_version,
    practices.practice_id,
    practices.component_id,
    components.component_id as known_component_id
from raw.practices as practices
left join raw.components as components
    on practices.framework_version = components.framework_version
    and practices.component_id = components.component_id
"""


@suite(
    "raw.practices.critical",
    query=PRACTICES_QUERY,
    row_key=("framework_version", "practice_id", "component_id"),
)
def practices(facts: WarehouseFacts) -> list[Expectation]:
    """Each practice belongs to a component of its framework version."""
    return [
        *unique_key(
            ("framework_version", "practice_id"),
            "Practice ids are unique within a framework version",
        ),
        not_null(
            "known_component_id",
            "Every practice's component is in its framework version",
        ),
    ]


@suite(
    "raw.scales.critical",
    table="raw.scales",
    columns=("bank_version", "scale_id", "points", "positive_from"),
    row_key=("bank_version", "scale_id"),
)
def scales(facts: WarehouseFacts) -> list[Expectation]:
    """Each scale has 2 to 11 points and a positive threshold on the scale."""
    return [
        *unique_key(
            ("bank_version", "scale_id"),
            "Scale ids are unique within a question bank version",
        ),
        not_null("points", "Every scale has a number of points"),
        between("points", "A scale has 2 to 11 points", min_value=2, max_value=11),
        between("positive_from", "The positive threshold is at least 1", min_value=1),
        at_least(
            "points",
            "positive_from",
            "The positive threshold is a value on the scale",
        ),
    ]
