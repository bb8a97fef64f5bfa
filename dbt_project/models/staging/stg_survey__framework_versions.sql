with

source as (

    select * from {{ source('survey', 'framework_versions') }}

),

renamed as (

    select
        framework_version,
        name as framework_name,
        content_sha256,
        loaded_at

    from source

)

select * from renamed
