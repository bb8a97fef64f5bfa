with

source as (

    select * from {{ source('survey', 'bank_groups') }}

),

renamed as (

    select
        bank_version,
        stakeholder_group,
        scale_id,
        title as questionnaire_title

    from source

)

select * from renamed
