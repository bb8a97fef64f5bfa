with

source as (

    select * from {{ source('survey', 'school_rolls') }}

),

renamed as (

    select
        school_id,
        stakeholder_group,
        number_on_roll

    from source

)

select * from renamed
