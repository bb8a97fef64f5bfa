{#
    Fail for each row where the SQL expression is not true (false or null).
    Limit the rows checked with the test's `where` config.
#}
{% test expression_is_true(model, expression) %}

    select *
    from {{ model }}
    where not coalesce(({{ expression }}), false)

{% endtest %}
