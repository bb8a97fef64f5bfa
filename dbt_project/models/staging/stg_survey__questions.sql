with

source as (

    select * from {{ source('survey', 'questions') }}

),

renamed as (

    select
        bank_version,
        question_id,
        stakeholder_group,
        practice_id,
        position as question_position,
        text as question_text

    from source

)

select * from renamed
