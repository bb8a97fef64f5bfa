{#
    Indicator figures per school x year x group x key stage x unit, for every
    practice and every component, before suppression.

    Each respondent counts once in key stage 'all' and, for pupils, once in
    their own key stage. The cell's score is the mean of respondents' mean
    scores with a 95% t interval.

    The figures come from one pass over the respondents' rows: the count,
    the sum and the sum of squares of their scores, each score taken in
    whole billionths of a point (score_nanos), so that the sums are exact
    integers. Exact sums do not depend on the order DuckDB's threads add
    rows in, the variance n x sum(x^2) - sum(x)^2 has no rounding to
    cancel, and the sums of the key stages add up to key stage 'all' and,
    in the borough models, of schools to the borough, without going back
    to the respondents. Rounding a score to a billionth moves a published
    figure, rounded to 4 decimal places, by far less than its last place.
#}

{%- set cell_columns = [
    'school_id',
    'academic_year',
    'stakeholder_group',
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

respondent_units_counted as (

    select
        {{ cell_columns | join(', ') }},
        key_stage,

        n_answers,
        n_scored_answers,
        n_positive_answers,
        n_dont_know_answers,
        is_excluded,

        not is_excluded and n_scored_answers > 0 as is_respondent,
        is_excluded and n_scored_answers > 0 as is_excluded_respondent,
        round(mean_score * 1e9)::bigint as score_nanos

    from respondent_units

),

{# Key stage is null for the groups other than pupils. #}
key_stage_sums as (

    select
        {{ cell_columns | join(', ') }},
        key_stage,

        count(*) filter (where is_respondent) as n_respondents,
        count(*) filter (where is_excluded_respondent) as n_excluded,

        coalesce(sum(score_nanos::hugeint) filter (where is_respondent), 0)
            as sum_score_nanos,
        coalesce(
            sum(score_nanos::hugeint * score_nanos) filter (
                where is_respondent
            ),
            0
        ) as sum_squared_score_nanos,

        sum(n_answers) filter (where not is_excluded) as n_answers,
        sum(n_scored_answers) filter (where not is_excluded)
            as n_scored_answers,
        sum(n_positive_answers) filter (where not is_excluded)
            as n_positive_answers,
        sum(n_dont_know_answers) filter (where not is_excluded)
            as n_dont_know_answers

    from respondent_units_counted
    group by all

),

cell_sums as (

    select
        {{ cell_columns | join(', ') }},
        'all' as key_stage,

        sum(n_respondents) as n_respondents,
        sum(n_excluded) as n_excluded,
        sum(sum_score_nanos) as sum_score_nanos,
        sum(sum_squared_score_nanos) as sum_squared_score_nanos,
        sum(n_answers) as n_answers,
        sum(n_scored_answers) as n_scored_answers,
        sum(n_positive_answers) as n_positive_answers,
        sum(n_dont_know_answers) as n_dont_know_answers

    from key_stage_sums
    group by {{ cell_columns | join(', ') }}

    union all by name

    select *
    from key_stage_sums
    where key_stage is not null

),

cells_aggregated as (

    select
        {{ cell_columns | join(', ') }},
        key_stage,

        n_respondents::bigint as n_respondents,
        n_excluded::bigint as n_excluded,
        n_answers::bigint as n_answers,
        n_scored_answers::bigint as n_scored_answers,
        n_positive_answers::bigint as n_positive_answers,
        n_dont_know_answers::bigint as n_dont_know_answers,
        sum_score_nanos::hugeint as sum_score_nanos,
        sum_squared_score_nanos::hugeint as sum_squared_score_nanos,

        sum_score_nanos::double / 1e9 / nullif(n_respondents, 0) as score,

        {{ score_sd_from_sums(
            'n_respondents', 'sum_score_nanos', 'sum_squared_score_nanos'
        ) }} as score_sd,

        100.0 * n_positive_answers / nullif(n_scored_answers, 0)
            as pct_positive,

        100.0 * n_dont_know_answers / nullif(n_answers, 0) as dont_know_rate

    from cell_sums

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
