{#
    Responses per school x year x group x key stage before suppression: every
    submitted response, the excluded ones among them, and the number on roll
    for key stage 'all'. A group with a survey link but no response has a row
    for 'all' with n_responses 0.
#}

with

responses_flagged as (

    select * from {{ ref('int_responses_flagged') }}

),

survey_links as (

    select * from {{ ref('stg_survey__survey_links') }}

),

survey_windows as (

    select * from {{ ref('stg_survey__survey_windows') }}

),

school_rolls as (

    select * from {{ ref('stg_survey__school_rolls') }}

),

linked_groups as (

    select
        survey_windows.school_id,
        survey_windows.academic_year,
        survey_links.stakeholder_group,
        survey_links.number_on_roll

    from survey_links

    inner join survey_windows
        on survey_links.window_id = survey_windows.window_id

),

response_cells as (

    select
        * exclude (key_stage),
        'all' as key_stage

    from responses_flagged

    union all by name

    select *
    from responses_flagged
    where key_stage is not null

),

cells_counted as (

    select
        school_id,
        academic_year,
        stakeholder_group,
        key_stage,

        count(*) as n_responses,
        count(*) filter (where is_excluded) as n_excluded

    from response_cells
    group by 1, 2, 3, 4

),

cells_with_linked_groups as (

    select
        coalesce(cells_counted.school_id, linked_groups.school_id)
            as school_id,
        coalesce(cells_counted.academic_year, linked_groups.academic_year)
            as academic_year,
        coalesce(
            cells_counted.stakeholder_group, linked_groups.stakeholder_group
        ) as stakeholder_group,
        coalesce(cells_counted.key_stage, 'all') as key_stage,

        coalesce(cells_counted.n_responses, 0) as n_responses,
        coalesce(cells_counted.n_excluded, 0) as n_excluded,
        linked_groups.number_on_roll as link_number_on_roll

    from cells_counted

    full outer join linked_groups
        on cells_counted.school_id = linked_groups.school_id
        and cells_counted.academic_year = linked_groups.academic_year
        and cells_counted.stakeholder_group = linked_groups.stakeholder_group
        and cells_counted.key_stage = 'all'

),

cells_with_roll as (

    select
        cells_with_linked_groups.* exclude (link_number_on_roll),

        {# The link's figure is for that year; the school's may be newer. #}
        case
            when cells_with_linked_groups.key_stage = 'all'
                then coalesce(
                    cells_with_linked_groups.link_number_on_roll,
                    school_rolls.number_on_roll
                )
        end as number_on_roll

    from cells_with_linked_groups

    left join school_rolls
        on cells_with_linked_groups.school_id = school_rolls.school_id
        and cells_with_linked_groups.stakeholder_group
        = school_rolls.stakeholder_group

),

cells_aggregated as (

    select
        *,
        100.0 * n_responses / nullif(number_on_roll, 0) as response_rate

    from cells_with_roll

)

select * from cells_aggregated
