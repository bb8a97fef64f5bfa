{#
    Borough figures per year, from respondents' scores. Figures are rounded
    to 4 decimal places here, and only here, and every figure of a
    suppressed row is null, n_schools included.
#}

with

cells_suppressed as (

    select * from {{ ref('int_borough_cells_suppressed') }}
    where cell_type = 'indicator'

),

borough_indicators as (

    select
        academic_year,
        stakeholder_group,
        phase,
        indicator_level,
        indicator_id,
        component_id,
        practice_id,

        {{ blank_if_suppressed('n_schools') }} as n_schools,
        {{ blank_if_suppressed('n_respondents') }} as n_respondents,
        {{ blank_if_suppressed('round(score, 4)') }} as score,
        {{ blank_if_suppressed('round(ci_lower, 4)') }} as ci_lower,
        {{ blank_if_suppressed('round(ci_upper, 4)') }} as ci_upper,
        {{ blank_if_suppressed('round(pct_positive, 4)') }} as pct_positive,

        is_suppressed,
        suppression_reason

    from cells_suppressed

)

select * from borough_indicators
order by
    academic_year,
    stakeholder_group,
    phase,
    indicator_level,
    indicator_id
