{#
    The indicator cells with is_suppressed and suppression_reason, below the
    threshold or complementary within school x year x group x unit. Figures
    are kept here for the tests; the marts blank those of suppressed rows.
#}

with

cells_aggregated as (

    select * from {{ ref('int_indicator_cells_aggregated') }}

),

cells_suppressed as (

    {{ select_with_suppression(
        'cells_aggregated',
        [
            'school_id',
            'academic_year',
            'stakeholder_group',
            'unit_type',
            'unit_id',
        ],
        'n_respondents',
    ) }}

)

select * from cells_suppressed
