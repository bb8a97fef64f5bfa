{#
    The change of each borough figure since the academic year before, per
    year x stakeholder group x indicator x phase, where both years have a
    figure.

    Both years' scores are recomputed over the questions the two years
    measure the same way (int_borough_questions_compared), so a change of
    the question bank is not read as a change in the schools. The change is
    the later mean minus the earlier one, with a 95% Welch interval:

        change +/- t(0.975, df) x sqrt(s1^2 / n1 + s2^2 / n2)

    where s is the standard deviation of respondents' scores in each year
    and df the Welch-Satterthwaite degrees of freedom. The seed t_quantiles
    has whole degrees of freedom, so t at a fractional df is interpolated
    linearly in 1 / df between the whole values around it, as in
    next_step_impacts.

    change_status:
    - not_comparable: the two years share no question of the indicator;
    - suppressed: either year's published figure is suppressed, since the
      change and the shown year would give the hidden one; or the
      respondents compared in either year are fewer than the disclosure
      threshold or come from fewer than borough_minimum_schools schools;
    - compared: the change is published.
#}

{%- set threshold = disclosure_threshold() %}
{%- set minimum_schools = var('borough_minimum_schools') %}
{%- set pair_columns = [
    'stakeholder_group',
    'indicator_level',
    'indicator_id',
    'phase',
] %}

with

year_cells as (

    select * from {{ ref('int_borough_cells_suppressed') }}
    where cell_type = 'indicator'

),

compared_cells as (

    select * from {{ ref('int_borough_cells_aggregated') }}
    where score_basis = 'compared'

),

questions_compared as (

    select * from {{ ref('int_borough_questions_compared') }}

),

question_counts as (

    select
        academic_year,
        previous_academic_year,
        stakeholder_group,
        indicator_level,
        indicator_id,

        count(*) filter (where is_compared) as n_questions_compared,
        count(*) as n_questions_total

    from questions_compared
    group by 1, 2, 3, 4, 5

),

year_pairs as (

    select
        current_year.academic_year,
        previous_year.academic_year as previous_academic_year,
        current_year.stakeholder_group,
        current_year.indicator_level,
        current_year.indicator_id,
        current_year.component_id,
        current_year.practice_id,
        current_year.phase,

        current_year.is_suppressed as is_current_year_suppressed,
        previous_year.is_suppressed as is_previous_year_suppressed

    from year_cells as current_year

    inner join year_cells as previous_year
        on {% for column in pair_columns -%}
            current_year.{{ column }} = previous_year.{{ column }}
            and {% endfor -%}
        previous_year.academic_year
        = (left(current_year.academic_year, 4)::integer - 1)::varchar
        || '/' || substr(current_year.academic_year, 3, 2)

),

pairs_compared as (

    select
        year_pairs.*,

        coalesce(question_counts.n_questions_compared, 0)
            as n_questions_compared,
        coalesce(question_counts.n_questions_total, 0) as n_questions_total,

        previous_compared.n_respondents as n_respondents_previous,
        previous_compared.n_schools as n_schools_previous,
        previous_compared.score as score_previous,
        previous_compared.score_sd as score_sd_previous,

        current_compared.n_respondents,
        current_compared.n_schools,
        current_compared.score,
        current_compared.score_sd

    from year_pairs

    left join question_counts
        on year_pairs.academic_year = question_counts.academic_year
        and year_pairs.stakeholder_group = question_counts.stakeholder_group
        and year_pairs.indicator_level = question_counts.indicator_level
        and year_pairs.indicator_id = question_counts.indicator_id

    left join compared_cells as previous_compared
        on year_pairs.academic_year = previous_compared.comparison_year
        and year_pairs.previous_academic_year
        = previous_compared.academic_year
        {% for column in pair_columns -%}
            and year_pairs.{{ column }} = previous_compared.{{ column }}
        {% endfor %}

    left join compared_cells as current_compared
        on year_pairs.academic_year = current_compared.comparison_year
        and year_pairs.academic_year = current_compared.academic_year
        {% for column in pair_columns -%}
            and year_pairs.{{ column }} = current_compared.{{ column }}
        {% endfor %}

),

pairs_with_status as (

    select
        *,

        case
            when n_questions_compared = 0 then 'not_comparable'
            when is_current_year_suppressed or is_previous_year_suppressed
                then 'suppressed'
            when coalesce(n_respondents_previous, 0) < {{ threshold }}
                or coalesce(n_respondents, 0) < {{ threshold }}
                or coalesce(n_schools_previous, 0) < {{ minimum_schools }}
                or coalesce(n_schools, 0) < {{ minimum_schools }}
                then 'suppressed'
            else 'compared'
        end as change_status,

        case
            when n_questions_compared = 0 then null
            when is_current_year_suppressed or is_previous_year_suppressed
                then 'complementary'
            when coalesce(n_respondents_previous, 0) < {{ threshold }}
                or coalesce(n_respondents, 0) < {{ threshold }}
                then 'below_threshold'
            when coalesce(n_schools_previous, 0) < {{ minimum_schools }}
                or coalesce(n_schools, 0) < {{ minimum_schools }}
                then 'too_few_schools'
        end as suppression_reason,

        power(score_sd_previous, 2) / n_respondents_previous
            as variance_of_mean_previous,
        power(score_sd, 2) / n_respondents as variance_of_mean

    from pairs_compared

),

changes_welch as (

    select
        *,

        score - score_previous as score_change,

        sqrt(variance_of_mean_previous + variance_of_mean)
            as change_standard_error,

        power(variance_of_mean_previous + variance_of_mean, 2)
        / nullif(
            power(variance_of_mean_previous, 2) / (n_respondents_previous - 1)
            + power(variance_of_mean, 2) / (n_respondents - 1),
            0
        ) as welch_degrees_of_freedom

    from pairs_with_status

),

changes_with_quantiles as (

    select
        *,

        {{ t_quantile_975('floor(welch_degrees_of_freedom)') }}
            as t_quantile_below,
        {{ t_quantile_975('ceil(welch_degrees_of_freedom)') }}
            as t_quantile_above

    from changes_welch

),

changes_with_quantile as (

    select
        *,

        case
            when welch_degrees_of_freedom is null then null
            when floor(welch_degrees_of_freedom)
                = ceil(welch_degrees_of_freedom)
                then t_quantile_below
            else t_quantile_below
                + (t_quantile_above - t_quantile_below)
                * (
                    1 / floor(welch_degrees_of_freedom)
                    - 1 / welch_degrees_of_freedom
                )
                / (
                    1 / floor(welch_degrees_of_freedom)
                    - 1 / ceil(welch_degrees_of_freedom)
                )
        end as t_quantile

    from changes_with_quantiles

),

changes_final as (

    select
        * exclude (t_quantile_below, t_quantile_above),

        {# Every respondent scored the same in both years: no spread. #}
        case
            when change_standard_error = 0 then 0.0
            else t_quantile * change_standard_error
        end as change_half_width

    from changes_with_quantile

)

select * from changes_final
