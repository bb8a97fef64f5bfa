with

source as (

    select * from {{ source('survey', 'schools') }}

),

renamed as (

    select
        school_id,
        name as school_name,
        urn,
        phase,
        is_demo,
        created_at

    from source

)

select * from renamed
