with

source as (

    select * from {{ source('survey', 'survey_windows') }}

),

renamed as (

    select
        window_id,
        school_id,
        academic_year,
        bank_version,

        ---------- dates
        opens_on,
        closes_on,
        created_at

    from source

)

select * from renamed
