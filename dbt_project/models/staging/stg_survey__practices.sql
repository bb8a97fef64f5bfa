with

source as (

    select * from {{ source('survey', 'practices') }}

),

renamed as (

    select
        framework_version,
        practice_id,
        component_id,
        position as practice_position,
        text as practice_text

    from source

)

select * from renamed
