{#
    The change of each next step's indicators from the step's academic year
    to the next, in the step's stakeholder group: its targeted practice or
    component, and each component it did not target.

    The change is the follow-up score minus the baseline score, with a 95%
    Welch interval: change +/- t(0.975, df) x sqrt(s1^2/n1 + s2^2/n2), where
    s is the standard deviation of respondents' scores in each year's cell
    and df the Welch-Satterthwaite degrees of freedom. The seed
    t_quantiles has whole degrees of freedom, so t at a fractional df is
    interpolated linearly in 1/df between the two whole values around it;
    against scipy that differs by less than 0.0033 in t at df near 4.5 and
    by less at larger df. The change is larger than chance would explain
    when the interval excludes zero.

    impact_status says why a row has no figures: awaiting_results (no survey
    of the group in the follow-up year yet), no_baseline (none in the step's
    year), not_asked (a questionnaire does not ask about the practice) or
    suppressed (either cell is suppressed or nobody answered there). Every
    figure is null unless impact_status is measured.
#}

with

cells_paired as (

    select * from {{ ref('int_next_step_cells_paired') }}

),

cells_with_status as (

    select
        *,

        case
            when not is_follow_up_surveyed then 'awaiting_results'
            when not is_baseline_surveyed then 'no_baseline'
            when not is_asked_both_years then 'not_asked'
            when is_baseline_suppressed or is_follow_up_suppressed
                then 'suppressed'
            else 'measured'
        end as impact_status,

        power(baseline_sd, 2) / baseline_n as baseline_variance_of_mean,
        power(follow_up_sd, 2) / follow_up_n as follow_up_variance_of_mean

    from cells_paired

),

changes_welch as (

    select
        *,

        follow_up_score - baseline_score as score_change,

        sqrt(baseline_variance_of_mean + follow_up_variance_of_mean)
            as change_standard_error,

        power(baseline_variance_of_mean + follow_up_variance_of_mean, 2)
        / nullif(
            power(baseline_variance_of_mean, 2) / (baseline_n - 1)
            + power(follow_up_variance_of_mean, 2) / (follow_up_n - 1),
            0
        ) as welch_degrees_of_freedom

    from cells_with_status
    where impact_status = 'measured'

),

changes_with_quantile as (

    select
        *,

        {{ t_quantile_975('floor(welch_degrees_of_freedom)') }}
            as t_quantile_below,
        {{ t_quantile_975('ceil(welch_degrees_of_freedom)') }}
            as t_quantile_above

    from changes_welch

),

changes_with_interval as (

    select
        *,

        case
            when welch_degrees_of_freedom is null then null
            when floor(welch_degrees_of_freedom)
                = ceil(welch_degrees_of_freedom)
                then t_quantile_below
            else t_quantile_below
                + (t_quantile_above - t_quantile_below)
                * (
                    1 / floor(welch_degrees_of_freedom)
                    - 1 / welch_degrees_of_freedom
                )
                / (
                    1 / floor(welch_degrees_of_freedom)
                    - 1 / ceil(welch_degrees_of_freedom)
                )
        end as t_quantile

    from changes_with_quantile

),

changes_final as (

    select
        next_step_id,
        indicator_id,
        score_change,
        welch_degrees_of_freedom,
        t_quantile,
        change_standard_error,

        {# Both years' scores identical within each cell: no spread at all. #}
        case
            when change_standard_error = 0 then 0.0
            else t_quantile * change_standard_error
        end as change_half_width

    from changes_with_interval

),

impacts as (

    select
        cells_with_status.next_step_id,
        cells_with_status.school_id,
        cells_with_status.academic_year,
        cells_with_status.follow_up_year,
        cells_with_status.target_level,
        cells_with_status.target_component_id,
        cells_with_status.target_practice_id,
        cells_with_status.stakeholder_group,
        cells_with_status.indicator_level,
        cells_with_status.indicator_id,
        cells_with_status.component_id,
        cells_with_status.practice_id,
        cells_with_status.is_targeted,
        cells_with_status.impact_status,

        {% set measured = "cells_with_status.impact_status = 'measured'" %}
        case when {{ measured }}
            then cells_with_status.baseline_bank_version
        end as baseline_bank_version,
        case when {{ measured }}
            then cells_with_status.follow_up_bank_version
        end as follow_up_bank_version,
        case when {{ measured }}
            then cells_with_status.baseline_n
        end as baseline_n,
        case when {{ measured }}
            then round(cells_with_status.baseline_score, 4)
        end as baseline_score,
        case when {{ measured }}
            then round(cells_with_status.baseline_sd, 4)
        end as baseline_sd,
        case when {{ measured }}
            then cells_with_status.follow_up_n
        end as follow_up_n,
        case when {{ measured }}
            then round(cells_with_status.follow_up_score, 4)
        end as follow_up_score,
        case when {{ measured }}
            then round(cells_with_status.follow_up_sd, 4)
        end as follow_up_sd,

        round(changes_final.score_change, 4) as score_change,
        round(changes_final.welch_degrees_of_freedom, 4)
            as welch_degrees_of_freedom,
        round(changes_final.t_quantile, 6) as t_quantile,
        round(
            changes_final.score_change - changes_final.change_half_width, 4
        ) as change_ci_lower,
        round(
            changes_final.score_change + changes_final.change_half_width, 4
        ) as change_ci_upper,
        case when {{ measured }}
            then changes_final.score_change - changes_final.change_half_width > 0
            or changes_final.score_change + changes_final.change_half_width < 0
        end as is_beyond_chance

    from cells_with_status

    left join changes_final
        on cells_with_status.next_step_id = changes_final.next_step_id
        and cells_with_status.indicator_id = changes_final.indicator_id

)

select * from impacts
order by next_step_id, is_targeted desc, indicator_id
