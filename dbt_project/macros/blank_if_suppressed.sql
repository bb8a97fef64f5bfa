{#
    The expression, or null on a suppressed row: a hidden cell shows no
    figure at all, so "none" and "nine" respondents look the same.
#}
{% macro blank_if_suppressed(expression, flag='is_suppressed') -%}
    case when not {{ flag }} then {{ expression }} end
{%- endmacro %}
