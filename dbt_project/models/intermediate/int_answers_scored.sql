{#
    Each answer with its question's practice and component and the score of
    its value on the group's k-point scale: (value - 1) / (k - 1) x 100.
    Left joins keep an answer whose question, scale or practice is missing, so
    the not_null tests on this model catch it instead of dropping it.
#}

with

answers as (

    select * from {{ ref('stg_survey__answers') }}

),

responses as (

    select * from {{ ref('stg_survey__responses') }}

),

questions as (

    select * from {{ ref('stg_survey__questions') }}

),

bank_groups as (

    select * from {{ ref('stg_survey__bank_groups') }}

),

scales as (

    select * from {{ ref('stg_survey__scales') }}

),

question_bank_versions as (

    select * from {{ ref('stg_survey__question_bank_versions') }}

),

practices as (

    select * from {{ ref('stg_survey__practices') }}

),

answers_joined as (

    select
        answers.response_seq,
        answers.question_id,
        responses.bank_version,
        responses.stakeholder_group,
        questions.stakeholder_group as question_stakeholder_group,
        questions.practice_id,
        practices.component_id,

        scales.points,
        scales.positive_from,
        answers.answer_value,
        answers.is_dont_know

    from answers

    left join responses
        on answers.response_seq = responses.response_seq

    left join questions
        on responses.bank_version = questions.bank_version
        and answers.question_id = questions.question_id

    left join bank_groups
        on questions.bank_version = bank_groups.bank_version
        and questions.stakeholder_group = bank_groups.stakeholder_group

    left join scales
        on bank_groups.bank_version = scales.bank_version
        and bank_groups.scale_id = scales.scale_id

    left join question_bank_versions
        on responses.bank_version = question_bank_versions.bank_version

    left join practices
        on question_bank_versions.framework_version
        = practices.framework_version
        and questions.practice_id = practices.practice_id

),

answers_scored as (

    select
        *,

        not is_dont_know as is_scored,

        case
            when not is_dont_know
                then 100.0 * (answer_value - 1) / (points - 1)
        end as answer_score,

        case
            when not is_dont_know then answer_value >= positive_from
        end as is_positive

    from answers_joined

)

select * from answers_scored
