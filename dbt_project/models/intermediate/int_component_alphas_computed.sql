{#
    Cronbach's alpha per school x year x group x component, over the included
    respondents who gave a scored answer to every question of the component
    in their group's questionnaire (complete cases):

        alpha = k / (k - 1) x (1 - sum of item variances / variance of totals)

    with k items and sample variances. All questions of a group share one
    scale, so alpha is computed on the answer values, which gives the same
    result as on scores. Each variance is n x sum(x^2) - sum(x)^2 over
    n (n - 1), whose numerator is an exact integer, so the sums do not depend
    on row order. Alpha is null with fewer than 2 items, fewer complete cases
    than the disclosure threshold, or totals that do not vary.
#}

with

answers_scored as (

    select * from {{ ref('int_answers_scored') }}

),

responses_flagged as (

    select * from {{ ref('int_responses_flagged') }}

),

questions as (

    select * from {{ ref('stg_survey__questions') }}

),

question_bank_versions as (

    select * from {{ ref('stg_survey__question_bank_versions') }}

),

practices as (

    select * from {{ ref('stg_survey__practices') }}

),

component_items as (

    select
        questions.bank_version,
        questions.stakeholder_group,
        practices.component_id,
        count(*) as n_items

    from questions

    inner join question_bank_versions
        on questions.bank_version = question_bank_versions.bank_version

    inner join practices
        on question_bank_versions.framework_version
        = practices.framework_version
        and questions.practice_id = practices.practice_id

    group by 1, 2, 3

),

{# Grouped by response alone, with the response's school and year joined
   after, so that the large grouping keeps narrow keys. #}
respondent_totals as (

    select
        response_seq,
        component_id,

        count(*) filter (where is_scored) as n_scored_items,
        sum(answer_value) as total_value

    from answers_scored
    group by response_seq, component_id

),

respondent_components as (

    select
        responses_flagged.school_id,
        responses_flagged.academic_year,
        responses_flagged.stakeholder_group,
        responses_flagged.bank_version,
        respondent_totals.component_id,
        respondent_totals.response_seq,
        responses_flagged.is_excluded,
        respondent_totals.n_scored_items,
        respondent_totals.total_value

    from respondent_totals

    inner join responses_flagged
        on respondent_totals.response_seq = responses_flagged.response_seq

),

complete_cases as (

    select respondent_components.*

    from respondent_components

    inner join component_items
        on respondent_components.bank_version = component_items.bank_version
        and respondent_components.stakeholder_group
        = component_items.stakeholder_group
        and respondent_components.component_id = component_items.component_id

    where not respondent_components.is_excluded
        and respondent_components.n_scored_items = component_items.n_items

),

component_cells as (

    select distinct
        school_id,
        academic_year,
        stakeholder_group,
        bank_version,
        component_id

    from respondent_components

),

total_variances as (

    select
        school_id,
        academic_year,
        stakeholder_group,
        component_id,

        count(*) as n_complete_cases,
        count(*)::hugeint * sum(total_value * total_value)::hugeint
        - sum(total_value)::hugeint * sum(total_value)::hugeint
            as total_variance_numerator

    from complete_cases
    group by 1, 2, 3, 4

),

{# The answers of complete cases, found by the narrow key of response and
   component, then given their school, year and group by response. #}
item_variances as (

    select
        responses_flagged.school_id,
        responses_flagged.academic_year,
        responses_flagged.stakeholder_group,
        answers_scored.component_id,
        answers_scored.question_id,

        count(*)::hugeint
        * sum(answers_scored.answer_value * answers_scored.answer_value)
            ::hugeint
        - sum(answers_scored.answer_value)::hugeint
        * sum(answers_scored.answer_value)::hugeint
            as item_variance_numerator

    from answers_scored

    semi join (
        select response_seq, component_id from complete_cases
    ) as complete_case_keys
        on answers_scored.response_seq = complete_case_keys.response_seq
        and answers_scored.component_id = complete_case_keys.component_id

    inner join responses_flagged
        on answers_scored.response_seq = responses_flagged.response_seq

    group by 1, 2, 3, 4, 5

),

item_variance_sums as (

    select
        school_id,
        academic_year,
        stakeholder_group,
        component_id,
        sum(item_variance_numerator) as sum_item_variance_numerators

    from item_variances
    group by 1, 2, 3, 4

),

alphas_computed as (

    select
        component_cells.school_id,
        component_cells.academic_year,
        component_cells.stakeholder_group,
        component_cells.component_id,
        component_cells.bank_version,

        coalesce(component_items.n_items, 0) as n_items,
        coalesce(total_variances.n_complete_cases, 0) as n_complete_cases,

        case
            when component_items.n_items >= 2
                and total_variances.n_complete_cases
                >= {{ disclosure_threshold() }}
                and total_variances.total_variance_numerator > 0
                then component_items.n_items::double
                / (component_items.n_items - 1)
                * (
                    1 - item_variance_sums.sum_item_variance_numerators::double
                    / total_variances.total_variance_numerator::double
                )
        end as cronbach_alpha

    from component_cells

    left join component_items
        on component_cells.bank_version = component_items.bank_version
        and component_cells.stakeholder_group
        = component_items.stakeholder_group
        and component_cells.component_id = component_items.component_id

    left join total_variances
        on component_cells.school_id = total_variances.school_id
        and component_cells.academic_year = total_variances.academic_year
        and component_cells.stakeholder_group
        = total_variances.stakeholder_group
        and component_cells.component_id = total_variances.component_id

    left join item_variance_sums
        on component_cells.school_id = item_variance_sums.school_id
        and component_cells.academic_year = item_variance_sums.academic_year
        and component_cells.stakeholder_group
        = item_variance_sums.stakeholder_group
        and component_cells.component_id = item_variance_sums.component_id

)

select * from alphas_computed
