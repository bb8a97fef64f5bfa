with

source as (

    select * from {{ source('survey', 'responses') }}

),

renamed as (

    select
        response_seq,
        response_id,
        window_id,
        link_id,
        stakeholder_group,
        bank_version,
        submitted_on,
        source as response_source,

        ---------- year group and key stage
        year_group,
        case
            when stakeholder_group not in ('pupil_primary', 'pupil_secondary')
                then null
            when year_group is null then 'not_stated'
            when year_group <= 2 then 'KS1'
            when year_group <= 6 then 'KS2'
            when year_group <= 9 then 'KS3'
            when year_group <= 11 then 'KS4'
            else 'KS5'
        end as key_stage,

        ---------- quality flag set by the app
        is_too_fast

    from source

)

select * from renamed
