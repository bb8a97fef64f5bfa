with

source as (

    select * from {{ source('survey', 'load_state') }}

),

renamed as (

    select
        last_response_seq,
        loaded_at,
        schema_version

    from source

)

select * from renamed
