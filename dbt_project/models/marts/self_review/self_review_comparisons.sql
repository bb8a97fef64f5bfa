{#
    Each submitted self-review score beside each stakeholder group's score
    (key stage 'all') for the same school, year and component or practice.

    A gap counts only where the group's 95% interval lies wholly on one side
    of the self-review score, strictly: ci_upper below it is a blind spot,
    ci_lower above it a hidden strength, and a bound equal to it is no clear
    gap. The bounds are the published ones (rounded to 4 decimal places), so
    the reading agrees with the figures the school sees. A suppressed group
    is never compared, and a surveyed group without a cell (nobody answered
    there) reads as suppressed too, so no reading tells none from a few.
#}

with

self_review_scores as (

    select * from {{ ref('int_self_review_scores_computed') }}

),

component_indicators as (

    select * from {{ ref('component_indicators') }}
    where key_stage = 'all'

),

practice_indicators as (

    select * from {{ ref('practice_indicators') }}
    where key_stage = 'all'

),

response_counts as (

    select * from {{ ref('response_counts') }}
    where key_stage = 'all'

),

survey_windows as (

    select * from {{ ref('survey_windows') }}

),

questions as (

    select * from {{ ref('questions') }}

),

indicator_cells as (

    select
        school_id,
        academic_year,
        stakeholder_group,
        'component' as indicator_level,
        component_id as indicator_id,
        n_respondents,
        score,
        ci_lower,
        ci_upper,
        is_suppressed,
        suppression_reason

    from component_indicators

    union all by name

    select
        school_id,
        academic_year,
        stakeholder_group,
        'practice' as indicator_level,
        practice_id as indicator_id,
        n_respondents,
        score,
        ci_lower,
        ci_upper,
        is_suppressed,
        suppression_reason

    from practice_indicators

),

{# Every group surveyed in a school's year: each has a response count row. #}
surveyed_groups as (

    select school_id, academic_year, stakeholder_group
    from response_counts

    union

    select school_id, academic_year, stakeholder_group
    from indicator_cells

),

{#
    The cells each surveyed group could have: every component, because each
    questionnaire covers every component, and the practices its window's
    question bank asks that group about.
#}
expected_cells as (

    select
        surveyed_groups.school_id,
        surveyed_groups.academic_year,
        surveyed_groups.stakeholder_group,
        'component' as indicator_level,
        self_review_scores.indicator_id

    from surveyed_groups

    inner join (
        select distinct school_id, academic_year, indicator_id
        from self_review_scores
        where indicator_level = 'component'
    ) as self_review_scores
        on surveyed_groups.school_id = self_review_scores.school_id
        and surveyed_groups.academic_year = self_review_scores.academic_year

    union

    select
        survey_windows.school_id,
        survey_windows.academic_year,
        questions.stakeholder_group,
        'practice' as indicator_level,
        questions.practice_id as indicator_id

    from survey_windows

    inner join questions
        on survey_windows.bank_version = questions.bank_version

    inner join surveyed_groups
        on survey_windows.school_id = surveyed_groups.school_id
        and survey_windows.academic_year = surveyed_groups.academic_year
        and questions.stakeholder_group = surveyed_groups.stakeholder_group

    union

    select
        school_id,
        academic_year,
        stakeholder_group,
        indicator_level,
        indicator_id

    from indicator_cells

),

group_cells as (

    select
        expected_cells.*,

        indicator_cells.n_respondents,
        indicator_cells.score as group_score,
        indicator_cells.ci_lower,
        indicator_cells.ci_upper,
        coalesce(indicator_cells.is_suppressed, true) as is_suppressed,
        case
            when indicator_cells.indicator_id is null then 'below_threshold'
            else indicator_cells.suppression_reason
        end as suppression_reason

    from expected_cells

    left join indicator_cells
        on expected_cells.school_id = indicator_cells.school_id
        and expected_cells.academic_year = indicator_cells.academic_year
        and expected_cells.stakeholder_group
        = indicator_cells.stakeholder_group
        and expected_cells.indicator_level = indicator_cells.indicator_level
        and expected_cells.indicator_id = indicator_cells.indicator_id

),

comparisons as (

    select
        self_review_scores.school_id,
        self_review_scores.academic_year,
        self_review_scores.self_review_id,
        self_review_scores.self_review_version,
        self_review_scores.submitted_at,
        self_review_scores.is_latest_version,
        self_review_scores.indicator_level,
        self_review_scores.indicator_id,
        self_review_scores.component_id,
        self_review_scores.practice_id,
        self_review_scores.rating_level,
        self_review_scores.self_review_score,
        self_review_scores.n_practices_rated,

        group_cells.stakeholder_group,
        group_cells.n_respondents,
        group_cells.group_score,
        group_cells.ci_lower,
        group_cells.ci_upper,
        group_cells.is_suppressed,
        group_cells.suppression_reason,

        case
            when not group_cells.is_suppressed
                then round(
                    group_cells.group_score
                    - self_review_scores.self_review_score,
                    4
                )
        end as score_gap,

        case
            when group_cells.is_suppressed then 'suppressed'
            when group_cells.ci_upper < self_review_scores.self_review_score
                then 'blind_spot'
            when group_cells.ci_lower > self_review_scores.self_review_score
                then 'hidden_strength'
            else 'no_clear_gap'
        end as gap_reading

    from self_review_scores

    inner join group_cells
        on self_review_scores.school_id = group_cells.school_id
        and self_review_scores.academic_year = group_cells.academic_year
        and self_review_scores.indicator_level = group_cells.indicator_level
        and self_review_scores.indicator_id = group_cells.indicator_id

)

select * from comparisons
order by
    school_id,
    academic_year,
    self_review_version,
    indicator_level,
    indicator_id,
    stakeholder_group
