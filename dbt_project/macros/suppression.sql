{#
    Select every row of `cells` with is_suppressed and suppression_reason.

    A row is suppressed for 'below_threshold' when its count is under the
    disclosure threshold. The key stage rows of one partition (the columns in
    partition_by: school, year, group and unit) split its 'all' row, so one
    hidden key stage could be recovered as 'all' minus the visible ones. When
    any key stage row of a partition is below the threshold, further rows are
    therefore suppressed as 'complementary', smallest count first (ties by
    key_stage), until at least two rows are suppressed and their counts add
    up to at least the threshold, or every key stage row is suppressed.

    Ordered by count, every row below the threshold comes first, so the
    suppressed rows are those whose predecessors in that order do not yet meet
    both conditions.
#}
{% macro select_with_suppression(cells, partition_by, count_column) -%}
    {%- set threshold = disclosure_threshold() -%}
    {%- set window -%}
        partition by {{ partition_by | join(', ') }}, key_stage = 'all'
    {%- endset -%}
    {%- set preceding -%}
        {{ window }}
        order by {{ count_column }}, key_stage
        rows between unbounded preceding and 1 preceding
    {%- endset %}

    select
        cells_ordered.* exclude (
            is_below_threshold,
            has_hidden_key_stage,
            n_cells_before,
            n_counted_before,
            is_complementary
        ),

        is_below_threshold or is_complementary as is_suppressed,

        case
            when is_below_threshold then 'below_threshold'
            when is_complementary then 'complementary'
        end as suppression_reason

    from (
        select
            *,

            has_hidden_key_stage
            and not (
                n_cells_before >= 2
                and n_counted_before >= {{ threshold }}
            ) as is_complementary

        from (
            select
                *,

                {{ count_column }} < {{ threshold }} as is_below_threshold,

                key_stage <> 'all'
                and bool_or({{ count_column }} < {{ threshold }})
                    over ({{ window }}) as has_hidden_key_stage,

                count(*) over ({{ preceding }}) as n_cells_before,

                coalesce(
                    sum({{ count_column }}) over ({{ preceding }}), 0
                ) as n_counted_before

            from {{ cells }}
        ) as cells_ranked
    ) as cells_ordered
{%- endmacro %}
