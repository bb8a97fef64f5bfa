with

source as (

    select * from {{ source('survey', 'scales') }}

),

renamed as (

    select
        bank_version,
        scale_id,

        ---------- points and labels
        points,
        positive_from,
        from_json(labels_json, '["VARCHAR"]') as labels,
        dont_know_label,
        dont_know_label is not null as has_dont_know

    from source

)

select * from renamed
