{#-
    Statistics and formatting helpers of the scoring layer.

    Every macro that needs engine-specific SQL (list lambdas, lgamma, quantiles, JSON,
    number formatting) dispatches by adapter: `duckdb__` is the implementation used
    today; `default__` is either portable SQL or a clear compile error naming the macro
    to add for a new engine (for example `spark__poisson_upper_tail`).
-#}


{#- P(X >= observed) for X ~ Poisson(expected): the one-sided p-value of an observed
    count against the null model's expected count.

    Computed exactly in log space, summing the pmf
        pmf(i) = exp(-E + i*ln(E) - lgamma(i + 1))
    over a range wide enough that the omitted terms are far below double precision (12
    standard deviations, plus 20 terms: beyond i >= E each term is at most E/(i+1) of the
    one before, so 20 more terms shrink it by 20! or more):
    - observed >= E: the upper tail, i in [observed, observed + ceil(12*sqrt(E) + 20)];
    - observed <  E: one minus the lower tail, i in [max(0, floor(E - 12*sqrt(E) - 20)), observed - 1],
      clamped to [0, 1] (there p >= ~0.4, so the subtraction loses nothing that matters).
    Edge cases: observed <= 0 gives 1; E <= 0 with observed > 0 gives 0 (the count is
    impossible under the null). Both arguments are SQL expressions (observed integral). -#}
{% macro poisson_upper_tail(observed, expected) -%}
    {{ return(adapter.dispatch('poisson_upper_tail', 'hook_patterns')(observed, expected)) }}
{%- endmacro %}

{% macro default__poisson_upper_tail(observed, expected) -%}
    {{ exceptions.raise_compiler_error(
        "poisson_upper_tail has no implementation for adapter '" ~ adapter.type()
        ~ "': add " ~ adapter.type() ~ "__poisson_upper_tail in macros/statistics.sql"
    ) }}
{%- endmacro %}

{% macro duckdb__poisson_upper_tail(observed, expected) -%}
    (
        case
            when cast({{ observed }} as bigint) <= 0 then 1.0
            when cast({{ expected }} as double) <= 0 then 0.0
            when cast({{ observed }} as bigint) >= cast({{ expected }} as double) then
                least(1.0, coalesce(list_sum(list_transform(
                    range(
                        cast({{ observed }} as bigint),
                        cast({{ observed }} as bigint)
                            + cast(ceil(12 * sqrt(cast({{ expected }} as double)) + 20) as bigint)
                            + 1
                    ),
                    i -> exp(
                        - cast({{ expected }} as double)
                        + i * ln(cast({{ expected }} as double))
                        - lgamma(i + 1)
                    )
                )), 0.0))
            else
                greatest(0.0, least(1.0, 1.0 - coalesce(list_sum(list_transform(
                    range(
                        greatest(
                            0,
                            cast(floor(
                                cast({{ expected }} as double)
                                - 12 * sqrt(cast({{ expected }} as double))
                                - 20
                            ) as bigint)
                        ),
                        cast({{ observed }} as bigint)
                    ),
                    i -> exp(
                        - cast({{ expected }} as double)
                        + i * ln(cast({{ expected }} as double))
                        - lgamma(i + 1)
                    )
                )), 0.0)))
        end
    )
{%- endmacro %}

{#- Spark has no lgamma: ln(i!) is exact below 21 (factorial) and Stirling's series
    beyond, whose error there is below 1e-15; the sums run over the same ranges, in the
    same order, as on DuckDB. Spark's sequence() counts down when start > stop, so an
    empty range is spelled out. -#}
{% macro spark__poisson_upper_tail(observed, expected) -%}
    {%- set e = 'cast(' ~ expected ~ ' as double)' -%}
    {%- set o = 'cast(' ~ observed ~ ' as bigint)' -%}
    {%- set ln_factorial = hook_patterns.spark_ln_factorial('i') -%}
    {%- set pmf = 'i -> exp(-' ~ e ~ ' + i * ln(' ~ e ~ ') - ' ~ ln_factorial ~ ')' -%}
    (
        case
            when {{ o }} <= 0 then 1.0D
            when {{ e }} <= 0 then 0.0D
            when {{ o }} >= {{ e }} then
                least(1.0D, aggregate(
                    transform(
                        sequence({{ o }}, {{ o }} + cast(ceil(12 * sqrt({{ e }}) + 20) as bigint)),
                        {{ pmf }}
                    ),
                    0.0D,
                    (total, term) -> total + term
                ))
            else
                greatest(0.0D, least(1.0D, 1.0D - aggregate(
                    transform(
                        case
                            when greatest(0, cast(floor({{ e }} - 12 * sqrt({{ e }}) - 20) as bigint))
                                <= {{ o }} - 1
                                then sequence(
                                    greatest(0, cast(floor({{ e }} - 12 * sqrt({{ e }}) - 20) as bigint)),
                                    {{ o }} - 1
                                )
                            else array()
                        end,
                        {{ pmf }}
                    ),
                    0.0D,
                    (total, term) -> total + term
                )))
        end
    )
{%- endmacro %}

{#- ln(n!) for a whole number n >= 0 (Spark). -#}
{% macro spark_ln_factorial(n) -%}
    case
        when {{ n }} <= 20 then ln(cast(factorial(cast({{ n }} as int)) as double))
        else
            (({{ n }} + 0.5D) * ln({{ n }} + 1.0D) - ({{ n }} + 1.0D) + 0.9189385332046728D
                + 1.0D / (12.0D * ({{ n }} + 1.0D))
                - 1.0D / (360.0D * pow({{ n }} + 1.0D, 3))
                + 1.0D / (1260.0D * pow({{ n }} + 1.0D, 5))
                - 1.0D / (1680.0D * pow({{ n }} + 1.0D, 7)))
    end
{%- endmacro %}


{#- Continuous quantiles (linear interpolation) of a numeric expression as one aggregate,
    whose value is the list of them in the order given (read one with list_element). On
    DuckDB one quantile_cont() with a list collects and sorts each group's values once,
    where one aggregate per quantile does it once per quantile: at a day of 1M events on
    10M, 1.3 s against 1.9–2.5 s for the all-time p50 and p90. -#}
{% macro quantiles_cont(expression, quantiles) -%}
    {{ return(adapter.dispatch('quantiles_cont', 'hook_patterns')(expression, quantiles)) }}
{%- endmacro %}

{% macro default__quantiles_cont(expression, quantiles) -%}
    {%- set parts = [] -%}
    {%- for quantile in quantiles -%}
        {%- do parts.append(
            'percentile_cont(' ~ quantile ~ ') within group (order by ' ~ expression ~ ')'
        ) -%}
    {%- endfor -%}
    {{ hook_patterns.list_of(parts) }}
{%- endmacro %}

{% macro duckdb__quantiles_cont(expression, quantiles) -%}
    quantile_cont(cast({{ expression }} as double), [{{ quantiles | join(', ') }}])
{%- endmacro %}


{#- Aggregate: a JSON array (as text) of the string values of `expression`, in the
    order given by `order_by`; '[]' when there are no rows. -#}
{% macro json_string_array_agg(expression, order_by) -%}
    {{ return(adapter.dispatch('json_string_array_agg', 'hook_patterns')(expression, order_by)) }}
{%- endmacro %}

{% macro default__json_string_array_agg(expression, order_by) -%}
    coalesce(
        '[' || string_agg(
            '"' || replace(replace(cast({{ expression }} as varchar), '\\', '\\\\'), '"', '\\"') || '"',
            ',' order by {{ order_by }}
        ) || ']',
        '[]'
    )
{%- endmacro %}

{% macro duckdb__json_string_array_agg(expression, order_by) -%}
    coalesce(
        cast(to_json(list(cast({{ expression }} as varchar) order by {{ order_by }})) as varchar),
        '[]'
    )
{%- endmacro %}

{% macro spark__json_string_array_agg(expression, order_by) -%}
    to_json(transform(
        array_sort(collect_list(named_struct('k', {{ order_by }}, 'v', cast({{ expression }} as string)))),
        pair -> pair.v
    ))
{%- endmacro %}


{#- Text of a number with a fixed number of decimals and thousands separators,
    e.g. format_number('6120.4', 0) -> '6,120'. -#}
{% macro format_number(expression, decimals=0) -%}
    {{ return(adapter.dispatch('format_number', 'hook_patterns')(expression, decimals)) }}
{%- endmacro %}

{% macro default__format_number(expression, decimals=0) -%}
    cast(round(cast({{ expression }} as numeric), {{ decimals }}) as varchar)
{%- endmacro %}

{% macro duckdb__format_number(expression, decimals=0) -%}
    format('{:,.{{ decimals }}f}', cast({{ expression }} as double))
{%- endmacro %}

{% macro spark__format_number(expression, decimals=0) -%}
    format_number(cast({{ expression }} as double), {{ decimals }})
{%- endmacro %}


{#- Text of a score in [0, 1] with `decimals` decimals, truncated rather than rounded,
    so that the text never crosses a threshold the value did not cross
    (0.98996 reads 0.9899, not 0.9900). -#}
{% macro format_score(expression, decimals=4) -%}
    {{ return(adapter.dispatch('format_score', 'hook_patterns')(expression, decimals)) }}
{%- endmacro %}

{% macro default__format_score(expression, decimals=4) -%}
    cast(cast(floor(cast({{ expression }} as double) * power(10, {{ decimals }}) + 1e-9) / power(10, {{ decimals }}) as numeric(18, {{ decimals }})) as varchar)
{%- endmacro %}

{% macro duckdb__format_score(expression, decimals=4) -%}
    format('{:.{{ decimals }}f}', floor(cast({{ expression }} as double) * pow(10, {{ decimals }}) + 1e-9) / pow(10, {{ decimals }}))
{%- endmacro %}

{% macro spark__format_score(expression, decimals=4) -%}
    format_string('%.{{ decimals }}f', floor(cast({{ expression }} as double) * pow(10, {{ decimals }}) + 1e-9) / pow(10, {{ decimals }}))
{%- endmacro %}
