with

source as (

    select * from {{ source('survey', 'components') }}

),

renamed as (

    select
        framework_version,
        component_id,
        position as component_position,
        title as component_title

    from source

)

select * from renamed
