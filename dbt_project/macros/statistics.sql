{#
    The 0.975 quantile of Student's t with the given degrees of freedom, for
    95% confidence intervals. Degrees of freedom 1 to 1000 are looked up in the
    seed t_quantiles (from scipy, see scripts/generate_t_quantiles.py); above
    1000 the Cornish-Fisher expansion to the 1/df^3 term is used, which
    differs from scipy by less than 2e-12 there. Null for df null or below 1.
#}
{% macro t_quantile_975(degrees_of_freedom) -%}
    {%- set z = 1.959963984540054 -%}
    case
        when {{ degrees_of_freedom }} is null
            or {{ degrees_of_freedom }} < 1 then null
        {# Renamed so the caller's columns cannot resolve inside the lookup. #}
        when {{ degrees_of_freedom }} <= 1000 then (
            select t_quantile_lookup.t_quantile_975
            from (
                select
                    degrees_of_freedom as t_quantile_df,
                    t_975 as t_quantile_975
                from {{ ref('t_quantiles') }}
            ) as t_quantile_lookup
            where t_quantile_lookup.t_quantile_df = {{ degrees_of_freedom }}
        )
        else {{ z }}
            + ({{ z ** 3 + z }}) / (4.0 * {{ degrees_of_freedom }})
            + ({{ 5 * z ** 5 + 16 * z ** 3 + 3 * z }})
            / (96.0 * power({{ degrees_of_freedom }}, 2))
            + ({{ 3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z }})
            / (384.0 * power({{ degrees_of_freedom }}, 3))
    end
{%- endmacro %}

{#
    The sample standard deviation of scores from their count and their exact
    sums in billionths of a point: sqrt((n x sum(x^2) - sum(x)^2) /
    (n (n - 1))). The numerator is an exact HUGEINT (DuckDB raises an error
    rather than overflow), so nothing cancels in floating point. Null below
    2 scores.
#}
{% macro score_sd_from_sums(n, sum_nanos, sum_squared_nanos) -%}
    case
        when {{ n }} >= 2
            then sqrt(
                (
                    {{ n }}::hugeint * {{ sum_squared_nanos }}::hugeint
                    - {{ sum_nanos }}::hugeint * {{ sum_nanos }}::hugeint
                )::double
                / ({{ n }} * ({{ n }} - 1))
            ) / 1e9
    end
{%- endmacro %}
