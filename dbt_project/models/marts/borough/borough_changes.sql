{#
    The change of each borough figure since the year before. Figures are
    rounded to 4 decimal places here, and only here; every figure is null
    unless change_status is compared. is_significant follows from the
    published, rounded interval, so the flag and the shown interval agree.

    score_previous_compared and score_compared are the two years' scores on
    the compared questions, whose difference is the change. A phase row
    shows them only when every phase row of the indicator is compared:
    otherwise the all-schools scores less the shown phases' would give the
    hidden phases' scores on these questions, whose respondents the rule
    for the year's figures did not count.
#}

with

changes_compared as (

    select * from {{ ref('int_borough_changes_compared') }}

),

changes_rounded as (

    select
        *,

        bool_and(change_status = 'compared') filter (where phase <> 'all')
            over (
                partition by
                    academic_year,
                    stakeholder_group,
                    indicator_level,
                    indicator_id
            ) as is_every_phase_compared,

        round(score_change, 4) as score_change_rounded,
        round(score_change - change_half_width, 4) as change_ci_lower,
        round(score_change + change_half_width, 4) as change_ci_upper

    from changes_compared

),

borough_changes as (

    select
        academic_year,
        previous_academic_year,
        stakeholder_group,
        phase,
        indicator_level,
        indicator_id,
        component_id,
        practice_id,

        n_questions_compared,
        n_questions_total,
        n_questions_compared < n_questions_total as is_partial,
        change_status,

        {% set compared = "change_status = 'compared'" %}
        case when {{ compared }} then n_respondents_previous end
            as n_respondents_previous,
        case when {{ compared }} then n_respondents end as n_respondents,
        case when {{ compared }} then score_change_rounded end
            as score_change,
        case when {{ compared }} then change_ci_lower end as change_ci_lower,
        case when {{ compared }} then change_ci_upper end as change_ci_upper,
        case
            when {{ compared }}
                and (phase = 'all' or is_every_phase_compared)
                then round(score_previous, 4)
        end as score_previous_compared,
        case
            when {{ compared }}
                and (phase = 'all' or is_every_phase_compared)
                then round(score, 4)
        end as score_compared,
        case when {{ compared }} then round(welch_degrees_of_freedom, 4) end
            as welch_degrees_of_freedom,
        case
            when {{ compared }}
                then change_ci_lower > 0 or change_ci_upper < 0
        end as is_significant,

        change_status = 'suppressed' as is_suppressed,
        suppression_reason

    from changes_rounded

)

select * from borough_changes
order by
    academic_year,
    stakeholder_group,
    phase,
    indicator_level,
    indicator_id
