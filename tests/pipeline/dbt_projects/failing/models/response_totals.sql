{# One row per window: how many responses raw holds. #}
with

responses as (

    select * from raw.responses

),

totals as (

    select
        window_id,
        count(*) as n_responses

    from responses
    group by 1

)

select * from totals
