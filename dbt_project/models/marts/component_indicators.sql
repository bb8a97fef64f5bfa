{#
    Figures are rounded to 4 decimal places here, and only here, and every
    figure of a suppressed row is null. Cronbach's alpha is for key stage
    'all' only.
#}

with

cells_suppressed as (

    select * from {{ ref('int_indicator_cells_suppressed') }}

),

component_alphas as (

    select * from {{ ref('int_component_alphas_computed') }}

),

component_indicators as (

    select
        cells_suppressed.school_id,
        cells_suppressed.academic_year,
        cells_suppressed.stakeholder_group,
        cells_suppressed.key_stage,
        cells_suppressed.component_id,
        cells_suppressed.bank_version,

        {{ blank_if_suppressed('cells_suppressed.n_respondents') }}
            as n_respondents,
        {{ blank_if_suppressed('round(cells_suppressed.score, 4)') }}
            as score,
        {{ blank_if_suppressed('round(cells_suppressed.ci_lower, 4)') }}
            as ci_lower,
        {{ blank_if_suppressed('round(cells_suppressed.ci_upper, 4)') }}
            as ci_upper,
        {{ blank_if_suppressed('round(cells_suppressed.pct_positive, 4)') }}
            as pct_positive,
        {{ blank_if_suppressed('round(cells_suppressed.dont_know_rate, 4)') }}
            as dont_know_rate,
        {{ blank_if_suppressed('cells_suppressed.n_excluded') }}
            as n_excluded,
        case
            when cells_suppressed.key_stage = 'all'
                then {{ blank_if_suppressed(
                    'round(component_alphas.cronbach_alpha, 4)'
                ) }}
        end as cronbach_alpha,
        component_alphas.n_items,

        cells_suppressed.is_suppressed,
        cells_suppressed.suppression_reason

    from cells_suppressed

    left join component_alphas
        on cells_suppressed.school_id = component_alphas.school_id
        and cells_suppressed.academic_year = component_alphas.academic_year
        and cells_suppressed.stakeholder_group
        = component_alphas.stakeholder_group
        and cells_suppressed.component_id = component_alphas.component_id

    where cells_suppressed.unit_type = 'component'

)

select * from component_indicators
order by school_id, academic_year, stakeholder_group, key_stage, component_id
