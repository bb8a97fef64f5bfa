{#
    The two settings of the project, read from vars and checked once at the
    start of every run so that a bad value stops the build before any model
    is written.
#}

{% macro quality_flag_names() -%}
    {{ return(['too_fast', 'straight_lining', 'too_few_answers']) }}
{%- endmacro %}


{% macro disclosure_threshold() -%}
    {{ return(var('disclosure_threshold')) }}
{%- endmacro %}


{% macro excluded_quality_flags() -%}
    {{ return(var('excluded_quality_flags') | unique | sort | list) }}
{%- endmacro %}


{% macro check_settings() -%}
    {%- set threshold = var('disclosure_threshold') -%}
    {%- if threshold is not number or threshold is boolean
        or threshold != threshold | int -%}
        {{ exceptions.raise_compiler_error(
            "disclosure_threshold must be a whole number, got '"
            ~ threshold
            ~ "': set it to a whole number of 5 or more (default 10)"
        ) }}
    {%- endif -%}
    {%- if threshold < 5 -%}
        {{ exceptions.raise_compiler_error(
            "disclosure_threshold " ~ threshold ~ " is below 5, which would"
            ~ " publish figures about groups small enough to identify"
            ~ " people: set it to 5 or more (default 10)"
        ) }}
    {%- endif -%}

    {%- set flags = var('excluded_quality_flags') -%}
    {%- if flags is string or flags is not iterable or flags is mapping -%}
        {{ exceptions.raise_compiler_error(
            "excluded_quality_flags must be a list, got '" ~ flags
            ~ "': write it like [too_fast, straight_lining]"
        ) }}
    {%- endif -%}
    {%- for flag in flags -%}
        {%- if flag not in quality_flag_names() -%}
            {{ exceptions.raise_compiler_error(
                "excluded_quality_flags contains unknown flag '" ~ flag
                ~ "': use only " ~ quality_flag_names() | join(', ')
            ) }}
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}


{#
    A boolean SQL expression over the is_<flag> columns of a response: true
    when the response has any flag listed in excluded_quality_flags.
#}
{% macro is_excluded_expression() -%}
    {%- set flags = excluded_quality_flags() -%}
    {%- if flags | length == 0 -%}
        false
    {%- else -%}
        (
        {%- for flag in flags -%}
            is_{{ flag }}{% if not loop.last %} or {% endif %}
        {%- endfor -%}
        )
    {%- endif -%}
{%- endmacro %}
