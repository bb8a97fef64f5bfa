with

source as (

    select * from {{ source('survey', 'survey_links') }}

),

renamed as (

    select
        link_id,
        window_id,
        stakeholder_group,

        access_mode,
        kiosk as is_kiosk,
        number_on_roll

    from source

)

select * from renamed
