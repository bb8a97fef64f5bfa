with

source as (

    select * from {{ source('survey', 'load_state') }}

),

renamed as (

    select
        last_response_seq,
        loaded_at

    from source

)

select * from renamed
