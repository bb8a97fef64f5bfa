select
    {{ disclosure_threshold() }} as disclosure_threshold,
    '{{ excluded_quality_flags() | join(",") }}' as excluded_quality_flags
