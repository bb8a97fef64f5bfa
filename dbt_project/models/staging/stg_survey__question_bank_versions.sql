with

source as (

    select * from {{ source('survey', 'question_bank_versions') }}

),

renamed as (

    select
        bank_version,
        framework_version,
        content_sha256,
        loaded_at

    from source

)

select * from renamed
