"""The hand-written reference that the pipeline is measured against.

It does the pipeline's work with nothing in between. The store's rows are
copied in bulk into a fresh DuckDB file. One SQL statement per indicator
table (practice_indicators, component_indicators, response_counts)
computes what the dbt models compute. The checks of the dbt tests and the
Great Expectations suites run as plain SQL counts of failing rows. bench/__main__.py
runs it in a child process (python -m bench.reference), so that its memory
is measured alone:

    python -m bench.reference build STORE DATABASE RESULT_JSON
    python -m bench.reference parquet DATABASE PARQUET_DIR RESULT_JSON

The statements follow the dbt models' formulas expression by expression, so
that the reference's tables can be compared with the published marts
(compare_with_published). The models it leaves out (the self-review and
borough marts, the dimension copies) are not in the reference, and the
report says so.
"""

import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import adbc_driver_sqlite.dbapi
import duckdb
import yaml

from .settings import PROJECT_ROOT

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
T_QUANTILES_CSV = DBT_PROJECT_DIR / "seeds" / "t_quantiles.csv"
# DuckDB's default memory limit is 80% of RAM. The reference stays well
# below the benchmark's memory cap and spills to disk beyond this, which can
# only make it slower than an unlimited run.
MEMORY_LIMIT = "6GB"
PUPIL_GROUPS = "('pupil_primary', 'pupil_secondary')"
STAKEHOLDER_GROUPS = (
    "('pupil_primary', 'pupil_secondary', 'parent', 'staff', 'governor')"
)
KEY_STAGES = "('all', 'KS1', 'KS2', 'KS3', 'KS4', 'KS5', 'not_stated')"

# The rows the pipeline copies: the responses and answers, and the small
# tables the indicators and checks read. Types as in pipeline/raw_schema.py.
COPIED_QUERIES = {
    "responses": (
        "select response_seq, response_id, window_id, link_id, stakeholder_group, "
        "bank_version, submitted_on, year_group, is_too_fast, source from responses",
        "response_seq::bigint as response_seq, response_id, window_id::integer as "
        "window_id, link_id::integer as link_id, stakeholder_group, bank_version, "
        "submitted_on::date as submitted_on, year_group::integer as year_group, "
        "is_too_fast::boolean as is_too_fast, source",
    ),
    "answers": (
        "select response_seq, question_id, value, is_dont_know from answers",
        "response_seq::bigint as response_seq, question_id, value::integer as value, "
        "is_dont_know::boolean as is_dont_know",
    ),
    "questions": (
        "select bank_version, question_id, stakeholder_group, practice_id, position "
        "from questions",
        "bank_version, question_id, stakeholder_group, practice_id, "
        "position::integer as position",
    ),
    "question_bank_versions": (
        "select bank_version, framework_version from question_bank_versions",
        "bank_version, framework_version::integer as framework_version",
    ),
    "practices": (
        "select framework_version, practice_id, component_id from practices",
        "framework_version::integer as framework_version, practice_id, component_id",
    ),
    "components": (
        "select framework_version, component_id from components",
        "framework_version::integer as framework_version, component_id",
    ),
    "bank_groups": (
        "select bank_version, stakeholder_group, scale_id from bank_groups",
        "bank_version, stakeholder_group, scale_id",
    ),
    "scales": (
        "select bank_version, scale_id, points, positive_from, dont_know_label "
        "from scales",
        "bank_version, scale_id, points::integer as points, "
        "positive_from::integer as positive_from, dont_know_label",
    ),
    "schools": ("select school_id from schools", "school_id::integer as school_id"),
    "school_rolls": (
        "select school_id, stakeholder_group, number_on_roll from school_rolls",
        "school_id::integer as school_id, stakeholder_group, "
        "number_on_roll::integer as number_on_roll",
    ),
    "survey_windows": (
        "select window_id, school_id, academic_year, opens_on, closes_on, "
        "bank_version from survey_windows",
        "window_id::integer as window_id, school_id::integer as school_id, "
        "academic_year, opens_on::date as opens_on, closes_on::date as closes_on, "
        "bank_version",
    ),
    "survey_links": (
        "select link_id, window_id, stakeholder_group, number_on_roll "
        "from survey_links",
        "link_id::integer as link_id, window_id::integer as window_id, "
        "stakeholder_group, number_on_roll::integer as number_on_roll",
    ),
}


@dataclass
class ReferenceResult:
    """Seconds per step of one reference build, and what its checks found."""

    copy_seconds: float = 0.0
    indicator_seconds: dict[str, float] = field(default_factory=dict)
    check_seconds: float = 0.0
    failed_checks: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return (
            self.copy_seconds
            + sum(self.indicator_seconds.values())
            + self.check_seconds
        )


@dataclass(frozen=True)
class DbtSettings:
    """The two vars of dbt_project.yml that change what the indicators contain."""

    disclosure_threshold: int
    excluded_flags: tuple[str, ...]

    @classmethod
    def read(cls, project_dir: Path = DBT_PROJECT_DIR) -> "DbtSettings":
        variables = yaml.safe_load((project_dir / "dbt_project.yml").read_text())[
            "vars"
        ]
        return cls(
            disclosure_threshold=int(variables["disclosure_threshold"]),
            excluded_flags=tuple(sorted(set(variables["excluded_quality_flags"]))),
        )

    @property
    def is_excluded_expression(self) -> str:
        if not self.excluded_flags:
            return "false"
        return "(" + " or ".join(f"is_{flag}" for flag in self.excluded_flags) + ")"


# Building blocks shared by the indicator statements. Each is a CTE body.

ANSWERS_SCORED = """
    answers_scored as (
        select
            answers.response_seq,
            answers.question_id,
            questions.practice_id,
            practices.component_id,
            scales.points,
            answers.value as answer_value,
            answers.is_dont_know,
            not answers.is_dont_know as is_scored,
            case
                when not answers.is_dont_know
                    then answers.value >= scales.positive_from
            end as is_positive
        from raw.answers as answers
        join raw.responses as responses
            on responses.response_seq = answers.response_seq
        join raw.questions as questions
            on questions.bank_version = responses.bank_version
            and questions.question_id = answers.question_id
        join raw.question_bank_versions as versions
            on versions.bank_version = questions.bank_version
        join raw.practices as practices
            on practices.framework_version = versions.framework_version
            and practices.practice_id = questions.practice_id
        join raw.bank_groups as bank_groups
            on bank_groups.bank_version = questions.bank_version
            and bank_groups.stakeholder_group = questions.stakeholder_group
        join raw.scales as scales
            on scales.bank_version = bank_groups.bank_version
            and scales.scale_id = bank_groups.scale_id
    )"""

RESPONSES_FLAGGED = """
    answer_counts as (
        select
            response_seq,
            count(*) filter (where not is_dont_know) as n_scored_answers,
            min(value) as min_answer_value,
            max(value) as max_answer_value
        from raw.answers
        group by 1
    ),
    questionnaire_lengths as (
        select bank_version, stakeholder_group, count(*) as n_questions
        from raw.questions
        group by 1, 2
    ),
    responses_flagged as (
        select
            *,
            {is_excluded} as is_excluded
        from (
            select
                responses.response_seq,
                windows.school_id,
                windows.academic_year,
                responses.stakeholder_group,
                responses.bank_version,
                case
                    when responses.stakeholder_group not in {pupil_groups} then null
                    when responses.year_group is null then 'not_stated'
                    when responses.year_group <= 2 then 'KS1'
                    when responses.year_group <= 6 then 'KS2'
                    when responses.year_group <= 9 then 'KS3'
                    when responses.year_group <= 11 then 'KS4'
                    else 'KS5'
                end as key_stage,
                responses.is_too_fast,
                2 * coalesce(answer_counts.n_scored_answers, 0)
                    < coalesce(questionnaire_lengths.n_questions, 0)
                    as is_too_few_answers,
                coalesce(answer_counts.n_scored_answers, 0) >= 5
                    and answer_counts.min_answer_value
                    = answer_counts.max_answer_value as is_straight_lining
            from raw.responses as responses
            join raw.survey_windows as windows
                on windows.window_id = responses.window_id
            left join questionnaire_lengths
                on questionnaire_lengths.bank_version = responses.bank_version
                and questionnaire_lengths.stakeholder_group
                = responses.stakeholder_group
            left join answer_counts
                on answer_counts.response_seq = responses.response_seq
        )
    )"""


def _t_quantile_sql(degrees_of_freedom: str) -> str:
    """Return the t quantile expression of the dbt macro t_quantile_975.

    Degrees of freedom up to 1000 read the seed table t_quantiles, which the
    caller joins. Above 1000 the expression has the macro's Cornish-Fisher
    terms, written the same way so that the doubles match.
    """
    z = 1.959963984540054
    return f"""case
        when {degrees_of_freedom} is null or {degrees_of_freedom} < 1 then null
        when {degrees_of_freedom} <= 1000 then t_quantiles.t_975
        else {z}
            + ({z**3 + z}) / (4.0 * {degrees_of_freedom})
            + ({5 * z**5 + 16 * z**3 + 3 * z}) / (96.0 * power({degrees_of_freedom}, 2))
            + ({3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z})
            / (384.0 * power({degrees_of_freedom}, 3))
    end"""


def _cells_sql(unit_columns: str, unit_id: str, extra_unit_sums: str) -> str:
    """CTEs from scored answers to suppressed indicator cells of one unit.

    unit_columns are the answer columns a respondent's unit is grouped by,
    unit_id the one that names the unit.
    """
    key = (
        "school_id, academic_year, stakeholder_group, key_stage, unit_id, "
        "component_id, bank_version"
    )
    join_on = " and ".join(
        f"counted.{column} = with_mean.{column}" for column in key.split(", ")
    )
    return f"""
    respondent_units as (
        select
            response_seq,
            {unit_columns},
            count(*) as n_answers,
            count(*) filter (where is_scored) as n_scored_answers,
            count(*) filter (where is_positive) as n_positive_answers,
            count(*) filter (where is_dont_know) as n_dont_know_answers,
            sum(answer_value - 1) filter (where is_scored) as sum_steps,
            any_value(points) as points
            {extra_unit_sums}
        from answers_scored
        group by all
    ),
    respondent_scores as (
        select
            respondent_units.*,
            respondent_units.{unit_id} as unit_id,
            responses_flagged.school_id,
            responses_flagged.academic_year,
            responses_flagged.stakeholder_group,
            responses_flagged.key_stage,
            responses_flagged.bank_version,
            responses_flagged.is_excluded,
            case
                when respondent_units.n_scored_answers > 0
                    then 100.0 * respondent_units.sum_steps
                    / (respondent_units.n_scored_answers * (respondent_units.points - 1))
            end as mean_score
        from respondent_units
        join responses_flagged
            on responses_flagged.response_seq = respondent_units.response_seq
    ),
    respondent_cells as (
        select * replace ('all' as key_stage) from respondent_scores
        union all
        select * from respondent_scores where key_stage is not null
    ),
    counted as (
        select
            *,
            not is_excluded and n_scored_answers > 0 as is_respondent,
            is_excluded and n_scored_answers > 0 as is_excluded_respondent,
            mean_score::decimal(18, 12) as exact_mean_score
        from respondent_cells
    ),
    first_pass as (
        select
            {key},
            count(*) filter (where is_respondent) as n_respondents,
            count(*) filter (where is_excluded_respondent) as n_excluded,
            sum(exact_mean_score) filter (where is_respondent) as sum_score,
            sum(n_answers) filter (where not is_excluded) as n_answers,
            sum(n_scored_answers) filter (where not is_excluded) as n_scored_answers,
            sum(n_positive_answers) filter (where not is_excluded)
                as n_positive_answers,
            sum(n_dont_know_answers) filter (where not is_excluded)
                as n_dont_know_answers
        from counted
        group by all
    ),
    with_mean as (
        select *, sum_score::double / nullif(n_respondents, 0) as score
        from first_pass
    ),
    second_pass as (
        select
            {", ".join(f"counted.{column}" for column in key.split(", "))},
            sum(
                power(counted.exact_mean_score::double - with_mean.score, 2)
                    ::decimal(18, 12)
            ) as sum_squared_deviations
        from counted
        join with_mean on {join_on}
        where counted.is_respondent
        group by all
    ),
    aggregated as (
        select
            with_mean.* exclude (sum_score),
            case
                when with_mean.n_respondents >= 2
                    then sqrt(
                        second_pass.sum_squared_deviations::double
                        / (with_mean.n_respondents - 1)
                    )
            end as score_sd,
            100.0 * with_mean.n_positive_answers
                / nullif(with_mean.n_scored_answers, 0) as pct_positive,
            100.0 * with_mean.n_dont_know_answers
                / nullif(with_mean.n_answers, 0) as dont_know_rate
        from with_mean
        left join second_pass
            on {join_on.replace("counted.", "second_pass.")}
    ),
    with_interval as (
        select
            aggregated.*,
            {_t_quantile_sql("aggregated.n_respondents - 1")}
                * aggregated.score_sd / sqrt(aggregated.n_respondents)
                as ci_half_width
        from aggregated
        left join t_quantiles
            on t_quantiles.degrees_of_freedom = aggregated.n_respondents - 1
    ),
    intervals as (
        select
            * exclude (ci_half_width),
            case
                when ci_half_width is not null
                    then greatest(score - ci_half_width, 0)
            end as ci_lower,
            case
                when ci_half_width is not null
                    then least(score + ci_half_width, 100)
            end as ci_upper
        from with_interval
    ),
    {_suppression_sql("intervals", "school_id, academic_year, stakeholder_group, unit_id", "n_respondents")}"""  # noqa: E501


def _suppression_sql(cells: str, partition: str, count_column: str) -> str:
    """Return the CTEs of the dbt macro select_with_suppression, inlined.

    The last CTE, `suppressed`, adds is_suppressed and suppression_reason.
    """
    threshold = "{threshold}"
    return f"""
    ranked as (
        select
            *,
            {count_column} < {threshold} as is_below_threshold,
            key_stage <> 'all'
                and bool_or({count_column} < {threshold}) over same_kind
                as has_hidden_key_stage,
            count(*) over before as n_cells_before,
            coalesce(sum({count_column}) over before, 0) as n_counted_before
        from {cells}
        window
            same_kind as (partition by {partition}, key_stage = 'all'),
            before as (
                partition by {partition}, key_stage = 'all'
                order by {count_column}, key_stage
                rows between unbounded preceding and 1 preceding
            )
    ),
    suppressed as (
        select
            * exclude (has_hidden_key_stage, n_cells_before, n_counted_before),
            is_below_threshold
                or (
                    has_hidden_key_stage
                    and not (n_cells_before >= 2 and n_counted_before >= {threshold})
                ) as is_suppressed,
            case
                when is_below_threshold then 'below_threshold'
                when has_hidden_key_stage
                    and not (n_cells_before >= 2 and n_counted_before >= {threshold})
                    then 'complementary'
            end as suppression_reason
        from ranked
    )"""


def _blank(expression: str) -> str:
    return f"case when not is_suppressed then {expression} end"


INDICATOR_FIGURES = """
            {n_respondents} as n_respondents,
            {score} as score,
            {ci_lower} as ci_lower,
            {ci_upper} as ci_upper,
            {pct_positive} as pct_positive,
            {dont_know_rate} as dont_know_rate,
            {n_excluded} as n_excluded""".format(
    n_respondents=_blank("n_respondents"),
    score=_blank("round(score, 4)"),
    ci_lower=_blank("round(ci_lower, 4)"),
    ci_upper=_blank("round(ci_upper, 4)"),
    pct_positive=_blank("round(pct_positive, 4)"),
    dont_know_rate=_blank("round(dont_know_rate, 4)"),
    n_excluded=_blank("n_excluded"),
)

PRACTICE_INDICATORS = f"""
create or replace table indicators.practice_indicators as
with
{ANSWERS_SCORED},
{RESPONSES_FLAGGED},
{_cells_sql("practice_id, component_id", "practice_id", "")}
select
    school_id,
    academic_year,
    stakeholder_group,
    key_stage,
    component_id,
    unit_id as practice_id,
    bank_version,
    {INDICATOR_FIGURES},
    is_suppressed,
    suppression_reason,
    n_respondents as unblanked_count
from suppressed
"""

COMPONENT_INDICATORS = f"""
create or replace table indicators.component_indicators as
with
{ANSWERS_SCORED},
{RESPONSES_FLAGGED},
{_cells_sql("component_id", "component_id", ", sum(answer_value) as total_value")},
component_items as (
    select
        questions.bank_version,
        questions.stakeholder_group,
        practices.component_id,
        count(*) as n_items
    from raw.questions as questions
    join raw.question_bank_versions as versions
        on versions.bank_version = questions.bank_version
    join raw.practices as practices
        on practices.framework_version = versions.framework_version
        and practices.practice_id = questions.practice_id
    group by 1, 2, 3
),
component_cells as (
    select distinct school_id, academic_year, stakeholder_group, bank_version, unit_id
    from respondent_scores
),
complete_cases as (
    select respondent_scores.*
    from respondent_scores
    join component_items
        on component_items.bank_version = respondent_scores.bank_version
        and component_items.stakeholder_group = respondent_scores.stakeholder_group
        and component_items.component_id = respondent_scores.unit_id
    where not respondent_scores.is_excluded
        and respondent_scores.n_scored_answers = component_items.n_items
),
total_variances as (
    select
        school_id, academic_year, stakeholder_group, unit_id,
        count(*) as n_complete_cases,
        count(*)::hugeint * sum(total_value * total_value)::hugeint
        - sum(total_value)::hugeint * sum(total_value)::hugeint
            as total_variance_numerator
    from complete_cases
    group by 1, 2, 3, 4
),
item_variances as (
    select
        complete_cases.school_id,
        complete_cases.academic_year,
        complete_cases.stakeholder_group,
        complete_cases.unit_id,
        answers_scored.question_id,
        count(*)::hugeint
        * sum(answers_scored.answer_value * answers_scored.answer_value)::hugeint
        - sum(answers_scored.answer_value)::hugeint
        * sum(answers_scored.answer_value)::hugeint as item_variance_numerator
    from complete_cases
    join answers_scored
        on answers_scored.response_seq = complete_cases.response_seq
        and answers_scored.component_id = complete_cases.unit_id
    group by 1, 2, 3, 4, 5
),
item_variance_sums as (
    select
        school_id, academic_year, stakeholder_group, unit_id,
        sum(item_variance_numerator) as sum_item_variance_numerators
    from item_variances
    group by 1, 2, 3, 4
),
alphas as (
    select
        component_cells.school_id,
        component_cells.academic_year,
        component_cells.stakeholder_group,
        component_cells.unit_id,
        coalesce(component_items.n_items, 0) as n_items,
        case
            when component_items.n_items >= 2
                and total_variances.n_complete_cases >= {{threshold}}
                and total_variances.total_variance_numerator > 0
                then component_items.n_items::double
                / (component_items.n_items - 1)
                * (
                    1 - item_variance_sums.sum_item_variance_numerators::double
                    / total_variances.total_variance_numerator::double
                )
        end as cronbach_alpha
    from component_cells
    left join component_items
        on component_items.bank_version = component_cells.bank_version
        and component_items.stakeholder_group = component_cells.stakeholder_group
        and component_items.component_id = component_cells.unit_id
    left join total_variances
        on total_variances.school_id = component_cells.school_id
        and total_variances.academic_year = component_cells.academic_year
        and total_variances.stakeholder_group = component_cells.stakeholder_group
        and total_variances.unit_id = component_cells.unit_id
    left join item_variance_sums
        on item_variance_sums.school_id = component_cells.school_id
        and item_variance_sums.academic_year = component_cells.academic_year
        and item_variance_sums.stakeholder_group = component_cells.stakeholder_group
        and item_variance_sums.unit_id = component_cells.unit_id
)
select
    suppressed.school_id,
    suppressed.academic_year,
    suppressed.stakeholder_group,
    suppressed.key_stage,
    suppressed.component_id,
    suppressed.bank_version,
    {INDICATOR_FIGURES},
    case
        when suppressed.key_stage = 'all' and not suppressed.is_suppressed
            then round(alphas.cronbach_alpha, 4)
    end as cronbach_alpha,
    alphas.n_items,
    suppressed.is_suppressed,
    suppressed.suppression_reason,
    suppressed.n_respondents as unblanked_count
from suppressed
left join alphas
    using (school_id, academic_year, stakeholder_group, unit_id)
"""

RESPONSE_COUNTS = f"""
create or replace table indicators.response_counts as
with
{RESPONSES_FLAGGED},
linked_groups as (
    select
        windows.school_id,
        windows.academic_year,
        links.stakeholder_group,
        links.number_on_roll
    from raw.survey_links as links
    join raw.survey_windows as windows on windows.window_id = links.window_id
),
response_cells as (
    select * replace ('all' as key_stage) from responses_flagged
    union all
    select * from responses_flagged where key_stage is not null
),
cells_counted as (
    select
        school_id, academic_year, stakeholder_group, key_stage,
        count(*) as n_responses,
        count(*) filter (where is_excluded) as n_excluded
    from response_cells
    group by 1, 2, 3, 4
),
with_links as (
    select
        coalesce(cells_counted.school_id, linked_groups.school_id) as school_id,
        coalesce(cells_counted.academic_year, linked_groups.academic_year)
            as academic_year,
        coalesce(cells_counted.stakeholder_group, linked_groups.stakeholder_group)
            as stakeholder_group,
        coalesce(cells_counted.key_stage, 'all') as key_stage,
        coalesce(cells_counted.n_responses, 0) as n_responses,
        coalesce(cells_counted.n_excluded, 0) as n_excluded,
        linked_groups.number_on_roll as link_number_on_roll
    from cells_counted
    full outer join linked_groups
        on cells_counted.school_id = linked_groups.school_id
        and cells_counted.academic_year = linked_groups.academic_year
        and cells_counted.stakeholder_group = linked_groups.stakeholder_group
        and cells_counted.key_stage = 'all'
),
with_roll as (
    select
        with_links.* exclude (link_number_on_roll),
        case
            when with_links.key_stage = 'all'
                then coalesce(with_links.link_number_on_roll, rolls.number_on_roll)
        end as number_on_roll
    from with_links
    left join raw.school_rolls as rolls
        on rolls.school_id = with_links.school_id
        and rolls.stakeholder_group = with_links.stakeholder_group
),
counts as (
    select *, 100.0 * n_responses / nullif(number_on_roll, 0) as response_rate
    from with_roll
),
{
    _suppression_sql(
        "counts", "school_id, academic_year, stakeholder_group", "n_responses"
    )
}
select
    school_id,
    academic_year,
    stakeholder_group,
    key_stage,
    {_blank("n_responses")} as n_responses,
    {_blank("n_excluded")} as n_excluded,
    number_on_roll,
    {_blank("round(response_rate, 4)")} as response_rate,
    is_suppressed,
    suppression_reason,
    n_responses as unblanked_count
from suppressed
"""

INDICATOR_STATEMENTS = {
    "practice_indicators": PRACTICE_INDICATORS,
    "component_indicators": COMPONENT_INDICATORS,
    "response_counts": RESPONSE_COUNTS,
}


# The checks: each query counts the rows (or keys) that break one group of
# the dbt tests and Great Expectations suites. A hand-written pipeline would
# fold the checks on one table into one scan, and so does this reference.

RAW_CHECKS = {
    "raw.answers key unique": """
        select count(*) from (
            select 1 from raw.answers group by response_seq, question_id
            having count(*) > 1
        )""",
    "raw.answers rows valid": """
        select count(*) filter (
            where responses.response_seq is null
            or questions.question_id is null
            or questions.stakeholder_group <> responses.stakeholder_group
            or answers.is_dont_know is null
            or answers.value < 1
            or answers.value > scales.points
            or (answers.is_dont_know and answers.value is not null)
            or (not answers.is_dont_know and answers.value is null)
            or (answers.is_dont_know and scales.dont_know_label is null)
        )
        from raw.answers as answers
        left join raw.responses as responses
            on responses.response_seq = answers.response_seq
        left join raw.questions as questions
            on questions.bank_version = responses.bank_version
            and questions.question_id = answers.question_id
        left join raw.bank_groups as bank_groups
            on bank_groups.bank_version = questions.bank_version
            and bank_groups.stakeholder_group = questions.stakeholder_group
        left join raw.scales as scales
            on scales.bank_version = bank_groups.bank_version
            and scales.scale_id = bank_groups.scale_id""",
    "raw.responses keys unique": """
        select
            count(*) - count(distinct response_id)
            + count(*) - count(distinct response_seq)
            + count(*) filter (where response_id is null or response_seq is null)
        from raw.responses""",
    "raw.responses rows valid": f"""
        select count(*) filter (
            where responses.stakeholder_group not in {STAKEHOLDER_GROUPS}
            or responses.submitted_on is null
            or windows.academic_year is null
            or strftime(responses.submitted_on - interval 8 month, '%Y') || '/'
                || strftime(responses.submitted_on + interval 4 month, '%y')
                <> windows.academic_year
            or responses.bank_version <> windows.bank_version
            or (responses.link_id is not null and links.link_id is null)
            or links.window_id <> responses.window_id
            or links.stakeholder_group <> responses.stakeholder_group
            or responses.year_group not between 1 and 13
        )
        from raw.responses as responses
        left join raw.survey_windows as windows
            on windows.window_id = responses.window_id
        left join raw.survey_links as links on links.link_id = responses.link_id""",
    "raw.survey_windows rows valid": """
        select
            count(*) - count(distinct window_id)
            + count(*) - count(distinct (windows.school_id, academic_year))
            + count(*) filter (
                where not regexp_full_match(academic_year, '\\d{4}/\\d{2}')
                or strftime(opens_on - interval 8 month, '%Y') || '/'
                    || strftime(opens_on + interval 4 month, '%y') <> academic_year
                or strftime(closes_on - interval 8 month, '%Y') || '/'
                    || strftime(closes_on + interval 4 month, '%y') <> academic_year
                or closes_on < opens_on
                or schools.school_id is null
                or versions.bank_version is null
            )
        from raw.survey_windows as windows
        left join raw.schools as schools on schools.school_id = windows.school_id
        left join raw.question_bank_versions as versions
            on versions.bank_version = windows.bank_version""",
    "raw.questions, practices and scales valid": f"""
        select
            (select count(*) - count(distinct (bank_version, question_id))
                from raw.questions)
            + (select count(*) - count(distinct (framework_version, practice_id))
                from raw.practices)
            + (select count(*) - count(distinct (bank_version, scale_id))
                from raw.scales)
            + (select count(*) filter (
                    where points not between 2 and 11
                    or positive_from < 1 or positive_from > points)
                from raw.scales)
            + (select count(*) filter (
                    where questions.stakeholder_group not in {STAKEHOLDER_GROUPS}
                    or practices.practice_id is null
                    or scales.points is null)
                from raw.questions as questions
                left join raw.question_bank_versions as versions
                    on versions.bank_version = questions.bank_version
                left join raw.practices as practices
                    on practices.framework_version = versions.framework_version
                    and practices.practice_id = questions.practice_id
                left join raw.bank_groups as bank_groups
                    on bank_groups.bank_version = questions.bank_version
                    and bank_groups.stakeholder_group = questions.stakeholder_group
                left join raw.scales as scales
                    on scales.bank_version = bank_groups.bank_version
                    and scales.scale_id = bank_groups.scale_id)
            + (select count(*) filter (where components.component_id is null)
                from raw.practices as practices
                left join raw.components as components
                    on components.framework_version = practices.framework_version
                    and components.component_id = practices.component_id)""",
}


def _indicator_checks(table: str, unit: str, has_alpha: bool) -> dict[str, str]:
    """Return the checks shared by the two indicator tables, on indicators.<table>."""
    alpha = (
        """
            or (cronbach_alpha is not null
                and (is_suppressed or key_stage <> 'all' or n_items < 2))
            or cronbach_alpha > 1
            or n_items is null or n_items < 1"""
        if has_alpha
        else ""
    )
    unit_join = (
        """
        left join (select distinct practice_id, component_id from raw.practices)
            as units on units.practice_id = cells.practice_id
            and units.component_id = cells.component_id"""
        if unit == "practice_id"
        else """
        left join (select distinct component_id from raw.components) as units
            on units.component_id = cells.component_id"""
    )
    key = f"school_id, academic_year, stakeholder_group, key_stage, {unit}"
    return {
        f"{table} key unique": f"""
            select count(*) from (
                select 1 from indicators.{table} group by {key} having count(*) > 1
            )""",
        f"{table} rows valid": f"""
            select count(*) filter (
                where cells.school_id is null or cells.academic_year is null
                or cells.stakeholder_group not in {STAKEHOLDER_GROUPS}
                or cells.key_stage not in {KEY_STAGES}
                or cells.{unit} is null or cells.bank_version is null
                or not regexp_full_match(cells.academic_year, '\\d{{4}}/\\d{{2}}')
                or schools.school_id is null
                or units.component_id is null
                or (cells.key_stage <> 'all'
                    and cells.stakeholder_group not in {PUPIL_GROUPS})
                or cells.is_suppressed is null
                or (cells.is_suppressed and not (
                    n_respondents is null and score is null and ci_lower is null
                    and ci_upper is null and pct_positive is null
                    and dont_know_rate is null and n_excluded is null))
                or (not cells.is_suppressed and not coalesce(
                    n_respondents >= {{threshold}} and n_excluded >= 0
                    and score is not null, false))
                or (ci_lower is not null and not (ci_lower <= score
                    and score <= ci_upper))
                or (cells.is_suppressed) <> (suppression_reason is not null)
                or suppression_reason not in ('below_threshold', 'complementary')
                or score not between 0 and 100 or ci_lower not between 0 and 100
                or ci_upper not between 0 and 100
                or pct_positive not between 0 and 100
                or dont_know_rate not between 0 and 100{alpha}
            )
            from indicators.{table} as cells
            left join raw.schools as schools on schools.school_id = cells.school_id
            {unit_join}""",
        f"{table} key stages": _key_stage_checks(
            table, f"school_id, academic_year, stakeholder_group, {unit}"
        ),
    }


def _key_stage_checks(table: str, partition: str) -> str:
    """Count partitions whose key stages do not add up to 'all' or leak a
    hidden key stage: the dbt tests key_stages_add_up and
    suppression_protects_key_stages, on the counts before blanking."""
    return f"""
        select
            count(*) filter (
                where n_key_stage_rows > 0 and n_all is distinct from n_key_stages
            )
            + count(*) filter (
                where n_suppressed > 0 and n_suppressed < n_key_stage_rows
                and (n_suppressed < 2 or n_counted_suppressed < {{threshold}})
            )
            + sum(n_small_visible)
        from (
            select
                {partition},
                sum(unblanked_count) filter (where key_stage = 'all') as n_all,
                sum(unblanked_count) filter (where key_stage <> 'all')
                    as n_key_stages,
                count(*) filter (where key_stage <> 'all') as n_key_stage_rows,
                count(*) filter (where key_stage <> 'all' and is_suppressed)
                    as n_suppressed,
                coalesce(sum(unblanked_count) filter (
                    where key_stage <> 'all' and is_suppressed), 0)
                    as n_counted_suppressed,
                count(*) filter (
                    where unblanked_count < {{threshold}} and not is_suppressed)
                    as n_small_visible
            from indicators.{table}
            group by all
        )"""


MART_CHECKS = {
    **_indicator_checks("practice_indicators", "practice_id", has_alpha=False),
    **_indicator_checks("component_indicators", "component_id", has_alpha=True),
    "response_counts key unique": """
        select count(*) from (
            select 1 from indicators.response_counts
            group by school_id, academic_year, stakeholder_group, key_stage
            having count(*) > 1
        )""",
    "response_counts rows valid": f"""
        select count(*) filter (
            where counts.school_id is null or schools.school_id is null
            or counts.academic_year is null
            or counts.stakeholder_group not in {STAKEHOLDER_GROUPS}
            or counts.key_stage not in {KEY_STAGES}
            or (counts.key_stage <> 'all'
                and counts.stakeholder_group not in {PUPIL_GROUPS})
            or (is_suppressed and not (n_responses is null and n_excluded is null
                and response_rate is null))
            or (not is_suppressed and not coalesce(n_responses >= {{threshold}}
                and n_excluded between 0 and n_responses, false))
            or (key_stage <> 'all' and number_on_roll is not null)
            or number_on_roll < 0 or response_rate < 0
            or is_suppressed is null
            or is_suppressed <> (suppression_reason is not null)
        )
        from indicators.response_counts as counts
        left join raw.schools as schools on schools.school_id = counts.school_id""",
    "response_counts key stages": _key_stage_checks(
        "response_counts", "school_id, academic_year, stakeholder_group"
    ),
}


def render(sql: str, settings: DbtSettings) -> str:
    """Fill in the dbt settings; str.format would trip on the regex braces."""
    return (
        sql.replace("{threshold}", str(settings.disclosure_threshold))
        .replace("{is_excluded}", settings.is_excluded_expression)
        .replace("{pupil_groups}", PUPIL_GROUPS)
    )


def build_reference(store_path: Path, database_path: Path) -> ReferenceResult:
    """Copy, compute and check into a new database_path; return the timings."""
    settings = DbtSettings.read()
    result = ReferenceResult()
    for path in (database_path, Path(f"{database_path}.wal")):
        path.unlink(missing_ok=True)
    with duckdb.connect(str(database_path)) as connection:
        connection.execute(f"set memory_limit = '{MEMORY_LIMIT}'")
        started = time.perf_counter()
        copy_store(store_path, connection)
        result.copy_seconds = time.perf_counter() - started

        connection.execute("create schema indicators")
        for table, statement in INDICATOR_STATEMENTS.items():
            started = time.perf_counter()
            connection.execute(render(statement, settings))
            connection.execute("checkpoint")
            result.indicator_seconds[table] = time.perf_counter() - started

        started = time.perf_counter()
        for name, query in {**RAW_CHECKS, **MART_CHECKS}.items():
            failures = connection.execute(render(query, settings)).fetchone()[0]
            if failures:
                result.failed_checks[name] = int(failures)
        result.check_seconds = time.perf_counter() - started

        for table in (
            "raw.responses",
            "raw.answers",
            *(f"indicators.{name}" for name in INDICATOR_STATEMENTS),
        ):
            result.rows[table] = connection.execute(
                f"select count(*) from {table}"  # noqa: S608 - fixed names
            ).fetchone()[0]
    return result


def copy_store(store_path: Path, connection: duckdb.DuckDBPyConnection) -> None:
    """Copy the store's rows into schema raw, streamed as Arrow record batches.

    adbc_driver_sqlite reads SQLite into Arrow, and DuckDB inserts each batch
    as it arrives, so no whole table is in memory at once.
    """
    connection.execute("create schema raw")
    source = adbc_driver_sqlite.dbapi.connect(f"file:{store_path}?mode=ro")
    try:
        for table, (query, casts) in COPIED_QUERIES.items():
            cursor = source.cursor()
            try:
                cursor.execute(query)
                connection.register("incoming", cursor.fetch_record_batch())
                connection.execute(
                    f"create table raw.{table} as select {casts} from incoming"  # noqa: S608
                )
                connection.unregister("incoming")
            finally:
                cursor.close()
    finally:
        source.close()
    connection.execute(
        "create table t_quantiles as select * from read_csv(?, header = true, "
        "columns = {'degrees_of_freedom': 'integer', 't_975': 'double'})",
        [str(T_QUANTILES_CSV)],
    )
    connection.execute("checkpoint")


def compare_with_published(database_path: Path, published_path: Path) -> dict:
    """Count rows that differ between the reference tables and the marts.

    Returns, per table, the rows only in the reference and only in the
    published file, comparing every column the mart publishes.
    """
    differences = {}
    with duckdb.connect(str(database_path), read_only=True) as connection:
        connection.execute(f"attach '{published_path}' as published (read_only)")
        for table in INDICATOR_STATEMENTS:
            columns = [
                row[0]
                for row in connection.execute(
                    "select column_name from duckdb_columns() where database_name = "
                    "'published' and schema_name = 'marts' and table_name = ? "
                    "order by column_index",
                    [table],
                ).fetchall()
            ]
            selected = ", ".join(f'"{column}"' for column in columns)
            ours = f"select {selected} from indicators.{table}"  # noqa: S608
            theirs = f"select {selected} from published.marts.{table}"  # noqa: S608
            differences[table] = {
                "only_in_reference": connection.execute(
                    f"select count(*) from ({ours} except all {theirs})"
                ).fetchone()[0],
                "only_in_published": connection.execute(
                    f"select count(*) from ({theirs} except all {ours})"
                ).fetchone()[0],
            }
    return differences


def read_parquet(database_path: Path, parquet_dir: Path) -> float:
    """Return the seconds DuckDB takes to load responses and answers from Parquet.

    The Parquet files are written from the reference database first, outside
    the timing, and the rows are read into a new DuckDB file, as the load
    step writes a new raw.duckdb on a full rebuild.
    """
    parquet_dir.mkdir(parents=True, exist_ok=True)
    tables = ("responses", "answers")
    with duckdb.connect(str(database_path), read_only=True) as connection:
        for table in tables:
            target = parquet_dir / f"{table}.parquet"
            if not target.exists():
                connection.execute(
                    f"copy raw.{table} to '{target}' (format parquet)"  # noqa: S608
                )
    loaded_path = parquet_dir / "loaded.duckdb"
    for path in (loaded_path, Path(f"{loaded_path}.wal")):
        path.unlink(missing_ok=True)
    started = time.perf_counter()
    with duckdb.connect(str(loaded_path)) as connection:
        for table in tables:
            connection.execute(
                f"create table {table} as select * from "  # noqa: S608
                f"read_parquet('{parquet_dir / table}.parquet')"
            )
        connection.execute("checkpoint")
    seconds = time.perf_counter() - started
    loaded_path.unlink()
    return seconds


def main(argv: list[str]) -> int:
    command, *arguments = argv
    if command == "build":
        store, database, output, *published = arguments
        result = build_reference(Path(store), Path(database))
        payload = asdict(result) | {"total_seconds": result.total_seconds}
        if published:
            payload["differences"] = compare_with_published(
                Path(database), Path(published[0])
            )
    elif command == "parquet":
        database, parquet_dir, output = arguments
        payload = {"seconds": read_parquet(Path(database), Path(parquet_dir))}
    else:
        raise SystemExit(f"unknown command {command!r}: use build or parquet")
    Path(output).write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
