{#
    Whether each surveyed school has any response, per year and group.
    The borough page says "No responses yet" for a school with none in
    place of "Fewer than 10 responses". Zero reveals no respondent, and the
    borough disclosure rule already counts only schools with responses as
    hidden, so a borough total minus the shown schools still leaves every
    hidden school together.
#}

with

response_counts as (

    select * from {{ ref('int_response_counts_suppressed') }}
    where key_stage = 'all'

),

borough_school_responses as (

    select
        school_id,
        academic_year,
        stakeholder_group,

        n_responses > 0 as has_responses

    from response_counts

)

select * from borough_school_responses
order by school_id, academic_year, stakeholder_group
