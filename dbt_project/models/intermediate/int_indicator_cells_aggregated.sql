{#
    Indicator figures per school x year x group x key stage x unit, for every
    practice and every component, before suppression.

    TODO: at 1,000,000 responses the rows per respondent and unit (about 94
    million) and the second pass's join back to them outgrow 12 GB; one
    exact pass of sums and sums of squares would not need the join.

    Each respondent counts once in key stage 'all' and, for pupils, once in
    their own key stage. The cell's score is the mean of respondents' mean
    scores with a 95% t interval. Respondents' scores are summed as DECIMAL
    and the variance is taken in two passes, around the exact mean, so the
    figures do not depend on the order DuckDB's threads add rows in.
#}

{%- set cell_columns = [
    'school_id',
    'academic_year',
    'stakeholder_group',
    'key_stage',
    'unit_type',
    'unit_id',
    'component_id',
    'bank_version',
] %}

with

response_practices as (

    select * from {{ ref('int_response_practices_aggregated') }}

),

response_components as (

    select * from {{ ref('int_response_components_aggregated') }}

),

respondent_units as (

    select
        'practice' as unit_type,
        practice_id as unit_id,
        component_id,
        * exclude (practice_id, component_id)

    from response_practices

    union all by name

    select
        'component' as unit_type,
        component_id as unit_id,
        component_id,
        * exclude (component_id)

    from response_components

),

respondent_cells as (

    select
        * exclude (key_stage),
        'all' as key_stage

    from respondent_units

    union all by name

    select *
    from respondent_units
    where key_stage is not null

),

respondent_cells_counted as (

    select
        *,

        not is_excluded and n_scored_answers > 0 as is_respondent,
        is_excluded and n_scored_answers > 0 as is_excluded_respondent,
        mean_score::decimal(18, 12) as exact_mean_score

    from respondent_cells

),

cells_first_pass as (

    select
        {{ cell_columns | join(', ') }},

        count(*) filter (where is_respondent) as n_respondents,
        count(*) filter (where is_excluded_respondent) as n_excluded,

        sum(exact_mean_score) filter (where is_respondent) as sum_score,

        sum(n_answers) filter (where not is_excluded) as n_answers,
        sum(n_scored_answers) filter (where not is_excluded)
            as n_scored_answers,
        sum(n_positive_answers) filter (where not is_excluded)
            as n_positive_answers,
        sum(n_dont_know_answers) filter (where not is_excluded)
            as n_dont_know_answers

    from respondent_cells_counted
    group by {{ cell_columns | join(', ') }}

),

cells_with_mean as (

    select
        *,
        sum_score::double / nullif(n_respondents, 0) as score

    from cells_first_pass

),

cells_second_pass as (

    select
        {% for column in cell_columns -%}
            respondent_cells_counted.{{ column }},
        {% endfor %}
        sum(
            power(
                respondent_cells_counted.exact_mean_score::double
                - cells_with_mean.score,
                2
            )::decimal(18, 12)
        ) as sum_squared_deviations

    from respondent_cells_counted

    inner join cells_with_mean
        on {% for column in cell_columns -%}
            respondent_cells_counted.{{ column }}
            = cells_with_mean.{{ column }}
            {%- if not loop.last %} and {% endif %}
        {% endfor %}

    where respondent_cells_counted.is_respondent
    group by all

),

cells_aggregated as (

    select
        cells_with_mean.* exclude (sum_score),

        case
            when cells_with_mean.n_respondents >= 2
                then sqrt(
                    cells_second_pass.sum_squared_deviations::double
                    / (cells_with_mean.n_respondents - 1)
                )
        end as score_sd,

        100.0 * cells_with_mean.n_positive_answers
        / nullif(cells_with_mean.n_scored_answers, 0) as pct_positive,

        100.0 * cells_with_mean.n_dont_know_answers
        / nullif(cells_with_mean.n_answers, 0) as dont_know_rate

    from cells_with_mean

    left join cells_second_pass
        on {% for column in cell_columns -%}
            cells_with_mean.{{ column }} = cells_second_pass.{{ column }}
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
        {# A small cell scoring near 0 or 100 gets a t interval past the end
           of the scale, where its mean cannot be, so the ends are cut there.
           DuckDB's greatest and least skip nulls, hence the case. #}
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
