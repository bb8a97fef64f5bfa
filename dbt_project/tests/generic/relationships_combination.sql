{#
    Fail for each row whose values in the given columns have no row with the
    same values in `to`: the relationships test for a key of several columns.
    Rows with a null in any of the columns are not checked.
#}
{% test relationships_combination(model, to, columns) %}

    select child.*
    from {{ model }} as child
    left join {{ to }} as parent
        on {% for column in columns -%}
            child.{{ column }} = parent.{{ column }}
            {%- if not loop.last %} and {% endif %}
        {%- endfor %}
    where parent.{{ columns[0] }} is null
        {% for column in columns -%}
            and child.{{ column }} is not null
        {% endfor %}

{% endtest %}
