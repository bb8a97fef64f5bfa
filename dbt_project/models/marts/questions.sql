with

questions as (

    select * from {{ ref('stg_survey__questions') }}

),

question_bank_versions as (

    select * from {{ ref('stg_survey__question_bank_versions') }}

),

practices as (

    select * from {{ ref('stg_survey__practices') }}

),

bank_groups as (

    select * from {{ ref('stg_survey__bank_groups') }}

),

scales as (

    select * from {{ ref('stg_survey__scales') }}

),

questions_described as (

    select
        questions.bank_version,
        questions.question_id,
        questions.stakeholder_group,
        questions.practice_id,
        practices.component_id,
        questions.question_position,
        questions.question_text,

        bank_groups.scale_id,
        scales.points,
        scales.positive_from,
        scales.labels,
        scales.dont_know_label

    from questions

    left join question_bank_versions
        on questions.bank_version = question_bank_versions.bank_version

    left join practices
        on question_bank_versions.framework_version
        = practices.framework_version
        and questions.practice_id = practices.practice_id

    left join bank_groups
        on questions.bank_version = bank_groups.bank_version
        and questions.stakeholder_group = bank_groups.stakeholder_group

    left join scales
        on bank_groups.bank_version = scales.bank_version
        and bank_groups.scale_id = scales.scale_id

)

select * from questions_described
order by bank_version, stakeholder_group, question_position
