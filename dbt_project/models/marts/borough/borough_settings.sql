{# The settings behind the borough figures, for the app and the suites. #}

select
    {{ disclosure_threshold() }} as disclosure_threshold,
    {{ var('borough_minimum_schools') }} as minimum_schools
