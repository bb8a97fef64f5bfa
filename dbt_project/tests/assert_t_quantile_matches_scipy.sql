{#
    Fail for each degrees of freedom where the macro t_quantile_975 differs
    from scipy.stats.t.ppf(0.975, df) (scipy 1.17) by more than 1e-9: from
    the seed up to 1000 and from the Cornish-Fisher expansion above. Zero
    and null degrees of freedom must give null.
#}

with

expected as (

    select *
    from (
        values
            (1, 12.706204736174694),
            (2, 4.302652729749462),
            (30, 2.0422724563012378),
            (1000, 1.9623390808264083),
            (1001, 1.9623367052808798),
            (2500, 1.960913344795567),
            (100000, 1.9599877075346095),
            (0, null),
            (null, null)
    ) as expected_values (degrees_of_freedom, t_975)

),

computed as (

    select
        degrees_of_freedom,
        t_975 as expected_t_975,
        {{ t_quantile_975('degrees_of_freedom') }} as computed_t_975

    from expected

)

select *
from computed
where (expected_t_975 is null) <> (computed_t_975 is null)
    or abs(expected_t_975 - computed_t_975) > 1e-9
