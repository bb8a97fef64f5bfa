{#
    Borough response counts before suppression: one row per year x
    stakeholder group x phase ('all' for every school, or one phase), from
    the schools' key stage 'all' counts. Every response counts, excluded
    ones included, as in response_counts.

    number_on_roll is the total of the schools surveyed, and null unless
    every one of them has its number on roll: a rate over only the schools
    with one would be a figure about a different set of schools.
    The response rate over the schools with a known number on roll
    (response_rate_known_roll) is kept only when every school without one
    has no responses or its own count shown: its responses are then the
    total less figures already shown, so the rate reveals no hidden count.
    n_hidden_schools and n_hidden_responses count the responding schools
    whose own count is suppressed, for the disclosure rule.
#}

with

response_counts as (

    select * from {{ ref('int_response_counts_suppressed') }}
    where key_stage = 'all'

),

schools as (

    select * from {{ ref('stg_survey__schools') }}

),

school_counts as (

    select
        response_counts.*,
        schools.phase as school_phase

    from response_counts

    inner join schools
        on response_counts.school_id = schools.school_id

),

school_counts_in_scope as (

    select
        * exclude (school_phase),
        'all' as phase

    from school_counts

    union all by name

    select
        * exclude (school_phase),
        school_phase as phase

    from school_counts

),

counts_aggregated as (

    select
        academic_year,
        stakeholder_group,
        phase,

        count(*) as n_schools_surveyed,
        count(*) filter (where n_responses > 0) as n_schools,
        sum(n_responses) as n_responses,
        sum(n_excluded) as n_excluded,
        case
            when count(number_on_roll) = count(*) then sum(number_on_roll)
        end as number_on_roll,

        count(number_on_roll) as n_schools_with_roll,
        sum(number_on_roll) as number_on_roll_known,
        sum(n_responses) filter (where number_on_roll is not null)
            as n_responses_with_roll,
        count(*) filter (
            where number_on_roll is null and n_responses > 0 and is_suppressed
        ) as n_hidden_schools_without_roll,

        count(*) filter (where n_responses > 0 and is_suppressed)
            as n_hidden_schools,
        coalesce(
            sum(n_responses) filter (where n_responses > 0 and is_suppressed),
            0
        ) as n_hidden_responses

    from school_counts_in_scope
    group by 1, 2, 3

),

counts_with_rate as (

    select
        *,
        100.0 * n_responses / nullif(number_on_roll, 0) as response_rate,
        case
            when n_hidden_schools_without_roll = 0
                then 100.0 * n_responses_with_roll
                / nullif(number_on_roll_known, 0)
        end as response_rate_known_roll

    from counts_aggregated

)

select * from counts_with_rate
