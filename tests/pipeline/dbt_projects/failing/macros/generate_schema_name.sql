{# Build into the schema named in the config (marts), not <target>_marts. #}
{% macro generate_schema_name(custom_schema_name, node) %}
    {{ custom_schema_name or target.schema }}
{% endmacro %}
