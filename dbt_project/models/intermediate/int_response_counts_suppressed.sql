{#
    Response counts with is_suppressed and suppression_reason, below the
    threshold or complementary within school x year x group. Counts are kept
    here for the tests; the mart blanks those of suppressed rows.
#}

with

response_counts as (

    select * from {{ ref('int_response_counts_aggregated') }}

),

response_counts_suppressed as (

    {{ select_with_suppression(
        'response_counts',
        ['school_id', 'academic_year', 'stakeholder_group'],
        'n_responses',
    ) }}

)

select * from response_counts_suppressed
