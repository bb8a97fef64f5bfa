with

source as (

    select * from {{ source('survey', 'answers') }}

),

renamed as (

    select
        response_seq,
        question_id,
        value as answer_value,
        is_dont_know

    from source

)

select * from renamed
