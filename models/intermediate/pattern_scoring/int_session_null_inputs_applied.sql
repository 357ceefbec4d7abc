{#- The inputs int_pattern_session_null_sums holds the sums of: a copy of
    int_session_null_inputs made once the sums are written, naming the run that wrote
    them. The next run compares it with its own inputs to find the sessions that changed
    (macro session_null_previous_inputs reads it: it is this run's result, read by the
    next run, so the sums cannot ref it). -#}

with

inputs as (

    select * from {{ ref('int_session_null_inputs') }}

),

sums as (

    select * from {{ ref('int_pattern_session_null_sums') }}

),

final as (

    select
        inputs.*,
        (select max(sums.sums_version) from sums) as sums_version
    from inputs

)

select * from final
