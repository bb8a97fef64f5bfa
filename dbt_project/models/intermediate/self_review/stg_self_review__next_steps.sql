{# A staging model kept beside the self-review models it feeds. #}
{{ config(schema='staging', materialized='view') }}

with

source as (

    select * from {{ source('self_review', 'next_steps') }}

),

renamed as (

    select
        next_step_id,
        school_id,
        academic_year,
        framework_version,
        component_id as target_component_id,
        practice_id as target_practice_id,
        case
            when practice_id is null then 'component' else 'practice'
        end as target_level,
        stakeholder_group,

        {# The academic year after academic_year, like 2025/26 after 2024/25. #}
        (left(academic_year, 4)::integer + 1)::varchar
        || '/'
        || lpad(((left(academic_year, 4)::integer + 2) % 100)::varchar, 2, '0')
            as follow_up_year

    from source

)

select * from renamed
