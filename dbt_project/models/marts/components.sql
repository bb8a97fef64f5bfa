with

components as (

    select * from {{ ref('stg_survey__components') }}

)

select * from components
order by framework_version, component_position
