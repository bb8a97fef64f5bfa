{#
    Each school's part of the borough figures: one row per score_basis x
    year x stakeholder group x indicator x school with at least one
    included respondent, holding the count, the exact sum and the exact sum
    of squares of its respondents' scores in billionths of a point (as in
    int_indicator_cells_aggregated), so that the borough figures are sums
    of these rows and never go back to the respondents.

    - score_basis 'year': the school's own cells for key stage 'all', over
      every question each respondent answered.
    - score_basis 'compared': for each year pair (comparison_year and the
      year before), the respondents of either year scored only on the
      questions both years compare. Where the pair compares every question
      of an indicator, a respondent's compared score is their year score,
      so the school's 'year' row serves; only indicators compared in part
      go back to the answers (int_borough_respondent_scores_compared).

    is_school_hidden is true when the school's own published figure for the
    same year, group and indicator is suppressed.
#}

with

cells_aggregated as (

    select * from {{ ref('int_indicator_cells_aggregated') }}
    where key_stage = 'all' and n_respondents > 0

),

cells_suppressed as (

    select * from {{ ref('int_indicator_cells_suppressed') }}
    where key_stage = 'all'

),

questions_compared as (

    select * from {{ ref('int_borough_questions_compared') }}

),

respondent_scores_compared as (

    select * from {{ ref('int_borough_respondent_scores_compared') }}

),

schools as (

    select * from {{ ref('stg_survey__schools') }}

),

{# A school's cells of one year may come from more than one bank version. #}
year_sums as (

    select
        school_id,
        academic_year,
        stakeholder_group,
        unit_type as indicator_level,
        unit_id as indicator_id,
        component_id,
        case when unit_type = 'practice' then unit_id end as practice_id,

        sum(n_respondents)::bigint as n_respondents,
        sum(sum_score_nanos)::hugeint as sum_score_nanos,
        sum(sum_squared_score_nanos)::hugeint as sum_squared_score_nanos,
        sum(n_scored_answers)::bigint as n_scored_answers,
        sum(n_positive_answers)::bigint as n_positive_answers

    from cells_aggregated
    group by all

),

indicators_compared as (

    select
        academic_year as comparison_year,
        previous_academic_year,
        stakeholder_group,
        indicator_level,
        indicator_id,
        bool_and(is_compared) as is_compared_in_full

    from questions_compared
    group by all

),

compared_in_full_sums as (

    select
        indicators_compared.comparison_year,
        year_sums.*

    from year_sums

    inner join indicators_compared
        on year_sums.stakeholder_group = indicators_compared.stakeholder_group
        and year_sums.indicator_level = indicators_compared.indicator_level
        and year_sums.indicator_id = indicators_compared.indicator_id
        and year_sums.academic_year in (
            indicators_compared.comparison_year,
            indicators_compared.previous_academic_year
        )

    where indicators_compared.is_compared_in_full

),

compared_in_part_sums as (

    select
        comparison_year,
        school_id,
        academic_year,
        stakeholder_group,
        indicator_level,
        indicator_id,
        component_id,
        practice_id,

        count(*) as n_respondents,
        sum(score_nanos::hugeint) as sum_score_nanos,
        sum(score_nanos::hugeint * score_nanos) as sum_squared_score_nanos,
        sum(n_scored_answers)::bigint as n_scored_answers,
        sum(n_positive_answers)::bigint as n_positive_answers

    from (
        select
            *,
            round(mean_score * 1e9)::bigint as score_nanos
        from respondent_scores_compared
    )
    group by all

),

school_sums as (

    select
        'year' as score_basis,
        null::varchar as comparison_year,
        *

    from year_sums

    union all by name

    select
        'compared' as score_basis,
        *

    from compared_in_full_sums

    union all by name

    select
        'compared' as score_basis,
        *

    from compared_in_part_sums

),

school_cells as (

    select
        school_sums.score_basis,
        school_sums.comparison_year,
        school_sums.academic_year,
        school_sums.stakeholder_group,
        school_sums.indicator_level,
        school_sums.indicator_id,
        school_sums.component_id,
        school_sums.practice_id,
        school_sums.school_id,
        schools.phase,

        school_sums.n_respondents,
        school_sums.sum_score_nanos,
        school_sums.sum_squared_score_nanos,
        school_sums.n_scored_answers,
        school_sums.n_positive_answers,

        coalesce(cells_hidden.is_school_hidden, false) as is_school_hidden

    from school_sums

    inner join schools
        on school_sums.school_id = schools.school_id

    left join (
        select
            school_id,
            academic_year,
            stakeholder_group,
            unit_type,
            unit_id,
            bool_or(is_suppressed) as is_school_hidden

        from cells_suppressed
        group by all
    ) as cells_hidden
        on school_sums.school_id = cells_hidden.school_id
        and school_sums.academic_year = cells_hidden.academic_year
        and school_sums.stakeholder_group = cells_hidden.stakeholder_group
        and school_sums.indicator_level = cells_hidden.unit_type
        and school_sums.indicator_id = cells_hidden.unit_id

)

select * from school_cells
