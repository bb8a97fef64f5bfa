with

schools as (

    select * from {{ ref('stg_survey__schools') }}

)

select
    school_id,
    school_name,
    urn,
    phase,
    is_demo

from schools
order by school_id
