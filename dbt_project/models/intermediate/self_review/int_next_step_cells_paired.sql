{#
    One row per next step x measured indicator: the indicator the step
    targets, and each component it does not target (every component other
    than the targeted one, or than the targeted practice's component), all
    in the step's stakeholder group. Each row carries the key stage 'all'
    cell of the step's academic year (baseline) and of the year after
    (follow-up): respondents, mean score, standard deviation of
    respondents' scores and suppression, unrounded. A cell is null where
    nobody in the group answered there.
#}

with

next_steps as (

    select * from {{ ref('stg_self_review__next_steps') }}

),

components as (

    select * from {{ ref('stg_survey__components') }}

),

cells_suppressed as (

    select * from {{ ref('int_indicator_cells_suppressed') }}
    where key_stage = 'all'

),

response_counts as (

    select * from {{ ref('int_response_counts_suppressed') }}
    where key_stage = 'all'

),

survey_windows as (

    select * from {{ ref('stg_survey__survey_windows') }}

),

questions as (

    select * from {{ ref('stg_survey__questions') }}

),

targeted_indicators as (

    select
        *,
        target_level as indicator_level,
        target_component_id as component_id,
        target_practice_id as practice_id,
        true as is_targeted

    from next_steps

),

untargeted_components as (

    select
        next_steps.*,
        'component' as indicator_level,
        components.component_id,
        null::varchar as practice_id,
        false as is_targeted

    from next_steps

    inner join components
        on next_steps.framework_version = components.framework_version
        and next_steps.target_component_id <> components.component_id

),

step_indicators as (

    select * from targeted_indicators

    union all by name

    select * from untargeted_components

),

{# Groups with a survey link in a school's window for a year. #}
surveyed_groups as (

    select distinct
        school_id,
        academic_year,
        stakeholder_group

    from response_counts

),

{# Practices each group's questionnaire asks about, per school and year. #}
asked_practices as (

    select distinct
        survey_windows.school_id,
        survey_windows.academic_year,
        questions.stakeholder_group,
        questions.practice_id

    from survey_windows

    inner join questions
        on survey_windows.bank_version = questions.bank_version

),

cells_paired as (

    select
        step_indicators.next_step_id,
        step_indicators.school_id,
        step_indicators.academic_year,
        step_indicators.follow_up_year,
        step_indicators.target_level,
        step_indicators.target_component_id,
        step_indicators.target_practice_id,
        step_indicators.stakeholder_group,
        step_indicators.indicator_level,
        step_indicators.component_id,
        step_indicators.practice_id,
        coalesce(step_indicators.practice_id, step_indicators.component_id)
            as indicator_id,
        step_indicators.is_targeted,

        baseline_groups.school_id is not null as is_baseline_surveyed,
        follow_up_groups.school_id is not null as is_follow_up_surveyed,
        step_indicators.indicator_level = 'component'
            or (
                baseline_asked.practice_id is not null
                and follow_up_asked.practice_id is not null
            ) as is_asked_both_years,

        baseline.bank_version as baseline_bank_version,
        baseline.n_respondents as baseline_n,
        baseline.score as baseline_score,
        baseline.score_sd as baseline_sd,
        coalesce(baseline.is_suppressed, true) as is_baseline_suppressed,

        follow_up.bank_version as follow_up_bank_version,
        follow_up.n_respondents as follow_up_n,
        follow_up.score as follow_up_score,
        follow_up.score_sd as follow_up_sd,
        coalesce(follow_up.is_suppressed, true) as is_follow_up_suppressed

    from step_indicators

    left join surveyed_groups as baseline_groups
        on step_indicators.school_id = baseline_groups.school_id
        and step_indicators.academic_year = baseline_groups.academic_year
        and step_indicators.stakeholder_group
        = baseline_groups.stakeholder_group

    left join surveyed_groups as follow_up_groups
        on step_indicators.school_id = follow_up_groups.school_id
        and step_indicators.follow_up_year = follow_up_groups.academic_year
        and step_indicators.stakeholder_group
        = follow_up_groups.stakeholder_group

    left join asked_practices as baseline_asked
        on step_indicators.school_id = baseline_asked.school_id
        and step_indicators.academic_year = baseline_asked.academic_year
        and step_indicators.stakeholder_group
        = baseline_asked.stakeholder_group
        and step_indicators.practice_id = baseline_asked.practice_id

    left join asked_practices as follow_up_asked
        on step_indicators.school_id = follow_up_asked.school_id
        and step_indicators.follow_up_year = follow_up_asked.academic_year
        and step_indicators.stakeholder_group
        = follow_up_asked.stakeholder_group
        and step_indicators.practice_id = follow_up_asked.practice_id

    left join cells_suppressed as baseline
        on step_indicators.school_id = baseline.school_id
        and step_indicators.academic_year = baseline.academic_year
        and step_indicators.stakeholder_group = baseline.stakeholder_group
        and step_indicators.indicator_level = baseline.unit_type
        and coalesce(step_indicators.practice_id, step_indicators.component_id)
        = baseline.unit_id

    left join cells_suppressed as follow_up
        on step_indicators.school_id = follow_up.school_id
        and step_indicators.follow_up_year = follow_up.academic_year
        and step_indicators.stakeholder_group = follow_up.stakeholder_group
        and step_indicators.indicator_level = follow_up.unit_type
        and coalesce(step_indicators.practice_id, step_indicators.component_id)
        = follow_up.unit_id

)

select * from cells_paired
