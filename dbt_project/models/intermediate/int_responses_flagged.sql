{#
    Each response with its window's school and year and its data quality
    flags: too_fast from the app, too_few_answers when fewer than half of the
    group's questions got a scored answer, and straight_lining when at least
    5 scored answers all have the same value. is_excluded applies the var
    excluded_quality_flags.
#}

with

responses as (

    select * from {{ ref('stg_survey__responses') }}

),

survey_windows as (

    select * from {{ ref('stg_survey__survey_windows') }}

),

questions as (

    select * from {{ ref('stg_survey__questions') }}

),

answers_scored as (

    select * from {{ ref('int_answers_scored') }}

),

questionnaire_lengths as (

    select
        bank_version,
        stakeholder_group,
        count(*) as n_questions

    from questions
    group by 1, 2

),

answer_counts as (

    select
        response_seq,

        count(*) as n_answers,
        count(*) filter (where is_scored) as n_scored_answers,
        count(*) filter (where is_dont_know) as n_dont_know_answers,
        min(answer_value) as min_answer_value,
        max(answer_value) as max_answer_value

    from answers_scored
    group by 1

),

responses_counted as (

    select
        responses.response_seq,
        responses.response_id,
        responses.window_id,
        survey_windows.school_id,
        survey_windows.academic_year,
        responses.stakeholder_group,
        responses.key_stage,
        responses.bank_version,

        coalesce(questionnaire_lengths.n_questions, 0) as n_questions,
        coalesce(answer_counts.n_answers, 0) as n_answers,
        coalesce(answer_counts.n_scored_answers, 0) as n_scored_answers,
        coalesce(answer_counts.n_dont_know_answers, 0)
            as n_dont_know_answers,
        answer_counts.min_answer_value,
        answer_counts.max_answer_value,

        responses.is_too_fast

    from responses

    left join survey_windows
        on responses.window_id = survey_windows.window_id

    left join questionnaire_lengths
        on responses.bank_version = questionnaire_lengths.bank_version
        and responses.stakeholder_group
        = questionnaire_lengths.stakeholder_group

    left join answer_counts
        on responses.response_seq = answer_counts.response_seq

),

responses_flagged as (

    select
        * exclude (min_answer_value, max_answer_value),

        2 * n_scored_answers < n_questions as is_too_few_answers,

        n_scored_answers >= 5
        and min_answer_value = max_answer_value as is_straight_lining

    from responses_counted

),

responses_excluded as (

    select
        *,
        {{ is_excluded_expression() }} as is_excluded

    from responses_flagged

)

select * from responses_excluded
