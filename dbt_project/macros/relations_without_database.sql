{#
    Render ref() and source() without the database name. DuckDB names a
    file's catalog after the file, and a view keeps the names it was written
    with, so a view that said "run-42"."raw"."responses" would break once the
    pipeline renames the build file to published.duckdb. Without the catalog
    a view reads from whichever file it is in.
#}
{% macro ref() %}
    {%- set relation = builtins.ref(*varargs, **kwargs) -%}
    {%- if relation is not none and relation.include is defined -%}
        {{ return(relation.include(database=false)) }}
    {%- endif -%}
    {{ return(relation) }}
{% endmacro %}


{% macro source() %}
    {%- set relation = builtins.source(*varargs, **kwargs) -%}
    {%- if relation is not none and relation.include is defined -%}
        {{ return(relation.include(database=false)) }}
    {%- endif -%}
    {{ return(relation) }}
{% endmacro %}
