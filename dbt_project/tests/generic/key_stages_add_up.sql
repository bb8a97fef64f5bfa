{#
    Fail for each partition whose key stage rows do not add up to its 'all'
    row in count_column: every respondent of a pupil group is in exactly one
    key stage, which complementary suppression relies on.
#}
{% test key_stages_add_up(model, partition_by, count_column) %}

    select
        {{ partition_by | join(', ') }},
        sum({{ count_column }}) filter (where key_stage = 'all') as n_all,
        sum({{ count_column }}) filter (where key_stage <> 'all')
            as n_key_stages

    from {{ model }}
    group by {{ partition_by | join(', ') }}
    having count(*) filter (where key_stage <> 'all') > 0
        and n_all is distinct from n_key_stages

{% endtest %}
