{#
    Fail for each partition where a hidden key stage could be worked out from
    the visible rows: a row under the threshold is visible, or some key stage
    rows are suppressed but fewer than two, or fewer than the threshold
    together, while others stay visible.
#}
{% test suppression_protects_key_stages(model, partition_by, count_column) %}
    {%- set threshold = disclosure_threshold() %}

    with

    key_stage_rows as (

        select *
        from {{ model }}
        where key_stage <> 'all'

    ),

    partitions as (

        select
            {{ partition_by | join(', ') }},

            count(*) as n_rows,
            count(*) filter (where is_suppressed) as n_suppressed_rows,
            coalesce(
                sum({{ count_column }}) filter (where is_suppressed), 0
            ) as n_counted_in_suppressed_rows

        from key_stage_rows
        group by {{ partition_by | join(', ') }}

    )

    select
        {{ partition_by | join(', ') }},
        'under the threshold but visible' as failure

    from {{ model }}
    where {{ count_column }} < {{ threshold }} and not is_suppressed

    union all

    select
        {{ partition_by | join(', ') }},
        'too few rows or counts suppressed' as failure

    from partitions
    where n_suppressed_rows > 0
        and n_suppressed_rows < n_rows
        and (
            n_suppressed_rows < 2
            or n_counted_in_suppressed_rows < {{ threshold }}
        )

{% endtest %}
