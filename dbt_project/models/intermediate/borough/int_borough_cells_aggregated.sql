{#
    Borough figures before suppression, from respondents' scores rather
    than from school averages, so a school of 200 counts 200 times and a
    school below the disclosure threshold still counts.

    One row per score_basis x year x stakeholder group x indicator x phase
    ('all' for every school, or one phase):
    - score_basis 'year': every included respondent of the year, each
      scored on every question they answered (int_borough_respondent_scores);
    - score_basis 'compared': the respondents of one year of a year pair,
      scored only on the questions both years measure the same way
      (int_borough_respondent_scores_compared); comparison_year names the
      later year of the pair.

    The score is the mean of respondents' scores with a 95% t interval cut
    at 0 and 100, and score_sd is the respondent-level standard deviation
    that the year-on-year change needs. As in the school figures, scores
    are summed as DECIMAL and the variance is taken around the exact mean,
    so the figures do not depend on the order rows are added in.
    n_hidden_schools and n_hidden_respondents count the schools whose own
    figure for the same year, group and indicator is suppressed, and their
    respondents: the disclosure rule needs them.
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

respondent_scores as (

    select * from {{ ref('int_borough_respondent_scores') }}

),

respondent_scores_compared as (

    select * from {{ ref('int_borough_respondent_scores_compared') }}

),

school_cells_suppressed as (

    select * from {{ ref('int_indicator_cells_suppressed') }}
    where key_stage = 'all'

),

respondents as (

    select
        'year' as score_basis,
        null::varchar as comparison_year,
        *

    from respondent_scores

    union all by name

    select
        'compared' as score_basis,
        * exclude (previous_academic_year)

    from respondent_scores_compared

),

{# Each respondent counts in the borough as a whole and in their phase. #}
respondents_in_scope as (

    select
        * exclude (phase),
        'all' as phase,
        mean_score::decimal(18, 12) as exact_mean_score

    from respondents

    union all by name

    select
        *,
        mean_score::decimal(18, 12) as exact_mean_score

    from respondents

),

school_cells as (

    select
        respondents_in_scope.school_id,
        {% for column in cell_columns -%}
            respondents_in_scope.{{ column }},
        {% endfor %}
        count(*) as n_respondents,
        coalesce(bool_or(school_cells_suppressed.is_suppressed), false)
            as is_school_hidden

    from respondents_in_scope

    left join school_cells_suppressed
        on respondents_in_scope.school_id = school_cells_suppressed.school_id
        and respondents_in_scope.academic_year
        = school_cells_suppressed.academic_year
        and respondents_in_scope.stakeholder_group
        = school_cells_suppressed.stakeholder_group
        and respondents_in_scope.indicator_level
        = school_cells_suppressed.unit_type
        and respondents_in_scope.indicator_id
        = school_cells_suppressed.unit_id

    group by all

),

schools_counted as (

    select
        {{ cell_columns | join(', ') }},

        count(*) as n_schools,
        count(*) filter (where is_school_hidden) as n_hidden_schools,
        coalesce(sum(n_respondents) filter (where is_school_hidden), 0)
            as n_hidden_respondents

    from school_cells
    group by {{ cell_columns | join(', ') }}

),

cells_first_pass as (

    select
        {{ cell_columns | join(', ') }},

        count(*) as n_respondents,
        sum(exact_mean_score) as sum_score,
        sum(n_scored_answers) as n_scored_answers,
        sum(n_positive_answers) as n_positive_answers

    from respondents_in_scope
    group by {{ cell_columns | join(', ') }}

),

cells_with_mean as (

    select
        *,
        sum_score::double / n_respondents as score

    from cells_first_pass

),

cells_second_pass as (

    select
        {% for column in cell_columns -%}
            respondents_in_scope.{{ column }},
        {% endfor %}
        sum(
            power(
                respondents_in_scope.exact_mean_score::double
                - cells_with_mean.score,
                2
            )::decimal(18, 12)
        ) as sum_squared_deviations

    from respondents_in_scope

    inner join cells_with_mean
        on {% for column in cell_columns -%}
            respondents_in_scope.{{ column }}
            is not distinct from cells_with_mean.{{ column }}
            {%- if not loop.last %} and {% endif %}
        {% endfor %}

    group by all

),

cells_aggregated as (

    select
        cells_with_mean.* exclude (sum_score),

        schools_counted.n_schools,
        schools_counted.n_hidden_schools,
        schools_counted.n_hidden_respondents,

        case
            when cells_with_mean.n_respondents >= 2
                then sqrt(
                    cells_second_pass.sum_squared_deviations::double
                    / (cells_with_mean.n_respondents - 1)
                )
        end as score_sd,

        100.0 * cells_with_mean.n_positive_answers
        / nullif(cells_with_mean.n_scored_answers, 0) as pct_positive

    from cells_with_mean

    inner join cells_second_pass
        on {% for column in cell_columns -%}
            cells_with_mean.{{ column }}
            is not distinct from cells_second_pass.{{ column }}
            {%- if not loop.last %} and {% endif %}
        {% endfor %}

    inner join schools_counted
        on {% for column in cell_columns -%}
            cells_with_mean.{{ column }}
            is not distinct from schools_counted.{{ column }}
            {%- if not loop.last %} and {% endif %}
        {% endfor %}

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
