with

source as (

    select * from {{ source('survey', 'access_code_counts') }}

),

renamed as (

    select
        link_id,
        codes_issued,
        codes_spent

    from source

)

select * from renamed
