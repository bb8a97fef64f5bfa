{#
    Borough figures before suppression, from respondents' scores rather
    than from school averages, so a school of 200 counts 200 times and a
    school below the disclosure threshold still counts.

    One row per score_basis x year x stakeholder group x indicator x phase
    ('all' for every school, or one phase):
    - score_basis 'year': every included respondent of the year, each
      scored on every question they answered;
    - score_basis 'compared': the respondents of one year of a year pair,
      scored only on the questions both years measure the same way;
      comparison_year names the later year of the pair.

    The figures add up the schools' exact sums of respondents' scores and
    of their squares (int_borough_school_cells), so they equal what one
    pass over the respondents would give, whatever order rows are added
    in. The score is the mean of respondents' scores with a 95% t interval
    cut at 0 and 100, and score_sd is the respondent-level standard
    deviation that the year-on-year change needs. n_hidden_schools and
    n_hidden_respondents count the schools whose own figure for the same
    year, group and indicator is suppressed, and their respondents: the
    disclosure rule needs them.
#}

{%- set cell_columns = [
    'score_basis',
    'comparison_year',
    'academic_year',
    'stakeholder_group',
    'indicator_level',
    'indicator_id',
    'component_id',
    'practice_id',
    'phase',
] %}

with

school_cells as (

    select * from {{ ref('int_borough_school_cells') }}

),

{# Each school counts in the borough as a whole and in its phase. #}
school_cells_in_scope as (

    select
        * exclude (phase),
        'all' as phase

    from school_cells

    union all by name

    select *
    from school_cells

),

cells_summed as (

    select
        {{ cell_columns | join(', ') }},

        count(*) as n_schools,
        count(*) filter (where is_school_hidden) as n_hidden_schools,
        coalesce(sum(n_respondents) filter (where is_school_hidden), 0)::bigint
            as n_hidden_respondents,

        sum(n_respondents)::bigint as n_respondents,
        sum(sum_score_nanos)::hugeint as sum_score_nanos,
        sum(sum_squared_score_nanos)::hugeint as sum_squared_score_nanos,
        sum(n_scored_answers)::bigint as n_scored_answers,
        sum(n_positive_answers)::bigint as n_positive_answers

    from school_cells_in_scope
    group by {{ cell_columns | join(', ') }}

),

cells_aggregated as (

    select
        {{ cell_columns | join(', ') }},

        n_respondents,
        n_scored_answers,
        n_positive_answers,
        sum_score_nanos::double / 1e9 / n_respondents as score,

        n_schools,
        n_hidden_schools,
        n_hidden_respondents,

        {{ score_sd_from_sums(
            'n_respondents', 'sum_score_nanos', 'sum_squared_score_nanos'
        ) }} as score_sd,

        100.0 * n_positive_answers / nullif(n_scored_answers, 0)
            as pct_positive

    from cells_summed

),

cells_with_interval as (

    select
        *,

        {{ t_quantile_975('n_respondents - 1') }} * score_sd
        / sqrt(n_respondents) as ci_half_width

    from cells_aggregated

),

cells_final as (

    select
        * exclude (ci_half_width),
        {# As in the school figures, the interval stops at the ends of the
           scale, where the mean cannot be. #}
        case
            when ci_half_width is not null
                then greatest(score - ci_half_width, 0)
        end as ci_lower,
        case
            when ci_half_width is not null
                then least(score + ci_half_width, 100)
        end as ci_upper

    from cells_with_interval

)

select * from cells_final
