{#
    Fail for each row where the SQL expression is not true (false or null).
    On a column, the expression continues the column's name, as in
    `between 0 and 100`. Limit the rows checked with the test's `where`
    config.
#}
{% test expression_is_true(model, expression, column_name=none) %}

    select *
    from {{ model }}
    where not coalesce(({{ column_name or '' }} {{ expression }}), false)

{% endtest %}
