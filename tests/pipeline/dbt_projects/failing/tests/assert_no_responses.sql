{# Fails on purpose: returns a row for every window with responses. #}
select * from {{ ref('response_totals') }}
