{#
    The disclosure rule of every borough figure, in one place.

    A borough figure (a year's score or response count for a stakeholder
    group, for every school or one phase) is published only when every
    figure that can be worked out from it and the other published figures
    is built from at least `borough_minimum_schools` schools (default 3) and
    at least `disclosure_threshold` respondents, or from none. The figures a
    reader can combine with it are the schools' own figures, shown to
    borough users, and the borough figures of the other phases and of all
    schools. So a figure is suppressed:

    1. below_threshold: it counts fewer than disclosure_threshold
       respondents (responses, for a response count);
    2. too_few_schools: fewer than borough_minimum_schools schools
       contribute to it. A school contributes when at least one of its
       respondents is in the figure;
    3. complementary, by the schools: the figure minus its schools' own
       published figures leaves the schools whose figure is suppressed.
       Unless there are none, they must be at least borough_minimum_schools
       schools with at least disclosure_threshold respondents together;
    4. complementary, by the phases: when the all-schools figure is shown,
       it minus the shown phases leaves the hidden phases together, and
       their suppressed schools together. When any phase is hidden, further
       phases are hidden, those hidden by 1 to 3 first and then the
       smallest, until both leftovers meet the rule of 3. Hiding every
       phase always does, since the phases add up to the all-schools
       figure, which passed 1 to 3.

    The year-on-year change is shown only where both years' figures are
    (int_borough_changes_compared). Figures are kept here for the tests;
    the marts blank those of suppressed rows.
#}

{%- set threshold = disclosure_threshold() %}
{%- set minimum_schools = var('borough_minimum_schools') %}
{%- if minimum_schools is not number or minimum_schools is boolean
    or minimum_schools != minimum_schools | int or minimum_schools < 3 %}
    {{ exceptions.raise_compiler_error(
        "borough_minimum_schools must be a whole number of 3 or more, got '"
        ~ minimum_schools
        ~ "': a borough figure of 1 or 2 schools shows each school's own"
        ~ " figure to the other. Set it to 3 or more (default 3)"
    ) }}
{%- endif %}

{%- set figure_partition -%}
    partition by
        cell_type,
        academic_year,
        stakeholder_group,
        indicator_level,
        indicator_id
{%- endset %}
{%- set phase_partition -%}
    {{ figure_partition }},
        phase = 'all'
{%- endset %}

with

indicator_cells as (

    select * from {{ ref('int_borough_cells_aggregated') }}
    where score_basis = 'year'

),

response_count_cells as (

    select * from {{ ref('int_borough_response_counts_aggregated') }}

),

cells as (

    select
        'indicator' as cell_type,
        * exclude (score_basis, comparison_year),
        n_respondents as n_counted,
        n_hidden_respondents as n_hidden_counted

    from indicator_cells

    union all by name

    select
        'response_count' as cell_type,
        *,
        n_responses as n_counted,
        n_hidden_responses as n_hidden_counted

    from response_count_cells

),

cells_checked as (

    select
        *,

        n_counted < {{ threshold }} as is_below_threshold,
        n_schools < {{ minimum_schools }} as has_too_few_schools,
        n_hidden_schools > 0
        and (
            n_hidden_schools < {{ minimum_schools }}
            or n_hidden_counted < {{ threshold }}
        ) as reveals_hidden_schools

    from cells

),

cells_on_own as (

    select
        *,
        is_below_threshold
        or has_too_few_schools
        or reveals_hidden_schools as is_hidden_on_own

    from cells_checked

),

{#
    Phase rows in the order they are hidden: those hidden on their own
    first, then by count. Each row carries the totals of itself and every
    row before it, which are what the hidden phases would leave when
    subtracted from the all-schools figure.
#}
phases_ranked as (

    select
        *,

        bool_or(phase = 'all' and not is_hidden_on_own)
            over ({{ figure_partition }}) as is_total_shown,

        sum(case when is_hidden_on_own then 1 else 0 end)
            over ({{ phase_partition }}) as n_phases_hidden_on_own,

        row_number() over (
            {{ phase_partition }}
            order by is_hidden_on_own desc, n_counted, phase
        ) as phase_position,

        {% for column in [
            'n_schools',
            'n_counted',
            'n_hidden_schools',
            'n_hidden_counted',
        ] -%}
        sum({{ column }}) over (
            {{ phase_partition }}
            order by is_hidden_on_own desc, n_counted, phase
            rows between unbounded preceding and current row
        ) as {{ column }}_so_far{% if not loop.last %},{% endif %}
        {% endfor %}

    from cells_on_own

),

phases_checked as (

    select
        *,

        phase <> 'all'
        and phase_position >= n_phases_hidden_on_own
        and n_schools_so_far >= {{ minimum_schools }}
        and n_counted_so_far >= {{ threshold }}
        and (
            n_hidden_schools_so_far = 0
            or (
                n_hidden_schools_so_far >= {{ minimum_schools }}
                and n_hidden_counted_so_far >= {{ threshold }}
            )
        ) as is_safe_to_hide_so_far

    from phases_ranked

),

phases_counted as (

    select
        *,

        min(case when is_safe_to_hide_so_far then phase_position end)
            over ({{ phase_partition }}) as n_phases_to_hide

    from phases_checked

),

cells_suppressed as (

    select
        * exclude (
            n_counted,
            n_hidden_counted,
            n_schools_so_far,
            n_counted_so_far,
            n_hidden_schools_so_far,
            n_hidden_counted_so_far,
            is_safe_to_hide_so_far,
            n_phases_to_hide,
            phase_position
        ),

        not is_hidden_on_own
        and phase <> 'all'
        and is_total_shown
        and n_phases_hidden_on_own > 0
        {# Hiding every phase is always safe, so the null of no safe
           position cannot occur; if it did, the phase is hidden. #}
        and coalesce(phase_position <= n_phases_to_hide, true)
            as is_hidden_by_phases

    from phases_counted

),

cells_final as (

    select
        *,

        is_hidden_on_own or is_hidden_by_phases as is_suppressed,

        case
            when is_below_threshold then 'below_threshold'
            when has_too_few_schools then 'too_few_schools'
            when reveals_hidden_schools or is_hidden_by_phases
                then 'complementary'
        end as suppression_reason

    from cells_suppressed

)

select * from cells_final
