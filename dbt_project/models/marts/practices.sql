with

practices as (

    select * from {{ ref('stg_survey__practices') }}

),

components as (

    select * from {{ ref('stg_survey__components') }}

),

practices_with_components as (

    select
        practices.framework_version,
        practices.practice_id,
        practices.component_id,
        components.component_title,
        practices.practice_position,
        practices.practice_text

    from practices

    left join components
        on practices.framework_version = components.framework_version
        and practices.component_id = components.component_id

)

select * from practices_with_components
order by framework_version, component_id, practice_position
