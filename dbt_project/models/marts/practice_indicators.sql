{#
    Figures are rounded to 4 decimal places here, and only here, and every
    figure of a suppressed row is null.
#}

with

cells_suppressed as (

    select * from {{ ref('int_indicator_cells_suppressed') }}

),

practice_indicators as (

    select
        school_id,
        academic_year,
        stakeholder_group,
        key_stage,
        component_id,
        unit_id as practice_id,
        bank_version,

        {{ blank_if_suppressed('n_respondents') }} as n_respondents,
        {{ blank_if_suppressed('round(score, 4)') }} as score,
        {{ blank_if_suppressed('round(ci_lower, 4)') }} as ci_lower,
        {{ blank_if_suppressed('round(ci_upper, 4)') }} as ci_upper,
        {{ blank_if_suppressed('round(pct_positive, 4)') }} as pct_positive,
        {{ blank_if_suppressed('round(dont_know_rate, 4)') }}
            as dont_know_rate,
        {{ blank_if_suppressed('n_excluded') }} as n_excluded,

        is_suppressed,
        suppression_reason

    from cells_suppressed
    where unit_type = 'practice'

)

select * from practice_indicators
order by school_id, academic_year, stakeholder_group, key_stage, practice_id
