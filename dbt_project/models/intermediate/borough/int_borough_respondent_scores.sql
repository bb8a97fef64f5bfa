{#
    One row per included respondent x indicator (each component and each
    practice): the respondent's mean score over their scored answers there,
    with their school's phase. Excluded responses and respondents with no
    scored answer in the indicator are left out, as in the school figures,
    so a borough figure counts exactly the respondents of the school
    figures it is made of.
#}

with

response_components as (

    select * from {{ ref('int_response_components_aggregated') }}

),

response_practices as (

    select * from {{ ref('int_response_practices_aggregated') }}

),

schools as (

    select * from {{ ref('stg_survey__schools') }}

),

respondent_indicators as (

    select
        'component' as indicator_level,
        component_id as indicator_id,
        component_id,
        null::varchar as practice_id,
        response_seq,
        school_id,
        academic_year,
        stakeholder_group,
        mean_score,
        n_scored_answers,
        n_positive_answers,
        is_excluded

    from response_components

    union all by name

    select
        'practice' as indicator_level,
        practice_id as indicator_id,
        component_id,
        practice_id,
        response_seq,
        school_id,
        academic_year,
        stakeholder_group,
        mean_score,
        n_scored_answers,
        n_positive_answers,
        is_excluded

    from response_practices

),

respondent_scores as (

    select
        respondent_indicators.academic_year,
        respondent_indicators.stakeholder_group,
        respondent_indicators.indicator_level,
        respondent_indicators.indicator_id,
        respondent_indicators.component_id,
        respondent_indicators.practice_id,
        respondent_indicators.school_id,
        schools.phase,
        respondent_indicators.response_seq,

        respondent_indicators.mean_score,
        respondent_indicators.n_scored_answers,
        respondent_indicators.n_positive_answers

    from respondent_indicators

    inner join schools
        on respondent_indicators.school_id = schools.school_id

    where not respondent_indicators.is_excluded
        and respondent_indicators.n_scored_answers > 0

)

select * from respondent_scores
