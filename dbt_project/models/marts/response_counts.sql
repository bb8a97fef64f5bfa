with

response_counts as (

    select * from {{ ref('int_response_counts_suppressed') }}

),

response_counts_blanked as (

    select
        school_id,
        academic_year,
        stakeholder_group,
        key_stage,

        {{ blank_if_suppressed('n_responses') }} as n_responses,
        {{ blank_if_suppressed('n_excluded') }} as n_excluded,
        number_on_roll,
        {{ blank_if_suppressed('round(response_rate, 4)') }} as response_rate,

        is_suppressed,
        suppression_reason

    from response_counts

)

select * from response_counts_blanked
order by school_id, academic_year, stakeholder_group, key_stage
