{#
    A staging model kept beside the self-review models it feeds. A level's
    score is level x 100 / 3 to one decimal place: 0, 33.3, 66.7 or 100.
#}
{{ config(schema='staging', materialized='view') }}

with

source as (

    select * from {{ source('self_review', 'self_review_ratings') }}

),

renamed as (

    select
        self_review_id,
        practice_id,
        component_id,
        level as rating_level,
        round(level * 100 / 3.0, 1) as rating_score

    from source

)

select * from renamed
