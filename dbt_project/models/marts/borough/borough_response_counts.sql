{#
    Borough response counts per year. Counts and the rate of a suppressed
    row are null; the number of schools surveyed and the number on roll
    stay, since they describe the schools, not their respondents.
#}

with

cells_suppressed as (

    select * from {{ ref('int_borough_cells_suppressed') }}
    where cell_type = 'response_count'

),

borough_response_counts as (

    select
        academic_year,
        stakeholder_group,
        phase,

        n_schools_surveyed,
        {{ blank_if_suppressed('n_schools') }} as n_schools,
        {{ blank_if_suppressed('n_responses') }} as n_responses,
        {{ blank_if_suppressed('n_excluded') }} as n_excluded,
        number_on_roll,
        {{ blank_if_suppressed('round(response_rate, 4)') }} as response_rate,
        n_schools_with_roll,
        number_on_roll_known,
        {{ blank_if_suppressed('round(response_rate_known_roll, 4)') }}
            as response_rate_known_roll,

        is_suppressed,
        suppression_reason

    from cells_suppressed

)

select * from borough_response_counts
order by academic_year, stakeholder_group, phase
