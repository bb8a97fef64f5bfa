{#
    Select one row per response x unit (practice or component) in which the
    response has at least one answer: the counts of its answers there, the
    respondent's mean score over the scored ones (null when all were don't
    know), and the response's school, year, group, key stage and flags.
#}
{% macro select_respondent_scores(unit) -%}
    {%- set unit_columns = ['practice_id', 'component_id']
        if unit == 'practice' else ['component_id'] %}

    with

    answers_scored as (

        select * from {{ ref('int_answers_scored') }}

    ),

    responses_flagged as (

        select * from {{ ref('int_responses_flagged') }}

    ),

    answers_aggregated as (

        select
            response_seq,
            {{ unit_columns | join(', ') }},

            count(*) as n_answers,
            count(*) filter (where is_scored) as n_scored_answers,
            count(*) filter (where is_positive) as n_positive_answers,
            count(*) filter (where is_dont_know) as n_dont_know_answers,
            {# Integer sums keep the mean exact until the one division. #}
            sum(answer_value - 1) filter (where is_scored) as sum_steps,
            any_value(points) as points

        from answers_scored
        group by all

    ),

    respondent_scores as (

        select
            answers_aggregated.response_seq,
            {% for column in unit_columns -%}
                answers_aggregated.{{ column }},
            {% endfor -%}
            responses_flagged.school_id,
            responses_flagged.academic_year,
            responses_flagged.stakeholder_group,
            responses_flagged.key_stage,
            responses_flagged.bank_version,

            answers_aggregated.n_answers,
            answers_aggregated.n_scored_answers,
            answers_aggregated.n_positive_answers,
            answers_aggregated.n_dont_know_answers,
            case
                when answers_aggregated.n_scored_answers > 0
                    then 100.0 * answers_aggregated.sum_steps
                    / (
                        answers_aggregated.n_scored_answers
                        * (answers_aggregated.points - 1)
                    )
            end as mean_score,

            responses_flagged.is_too_fast,
            responses_flagged.is_straight_lining,
            responses_flagged.is_too_few_answers,
            responses_flagged.is_excluded

        from answers_aggregated

        inner join responses_flagged
            on answers_aggregated.response_seq = responses_flagged.response_seq

    )

    select * from respondent_scores
{%- endmacro %}
