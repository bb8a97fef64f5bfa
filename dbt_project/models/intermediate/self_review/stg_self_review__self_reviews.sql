{# A staging model kept beside the self-review models it feeds. #}
{{ config(schema='staging', materialized='view') }}

with

source as (

    select * from {{ source('self_review', 'self_reviews') }}

),

renamed as (

    select
        self_review_id,
        school_id,
        academic_year,
        version_number as self_review_version,
        framework_version,
        status as self_review_status,
        status = 'submitted' as is_submitted,

        ---------- timestamps
        submitted_at

    from source

)

select * from renamed
