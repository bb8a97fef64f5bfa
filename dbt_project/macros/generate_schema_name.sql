{#
    Use the folder's schema as it is (staging, intermediate, marts), without
    dbt's default prefix of the target schema, because the pipeline, the
    Great Expectations suites and the app read these exact names.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
