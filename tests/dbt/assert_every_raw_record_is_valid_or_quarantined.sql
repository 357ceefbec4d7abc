{{ config(tags=['core']) }}

-- Staging never drops a record: the valid rows plus the quarantined rows are exactly the
-- raw rows, and every quarantined row is in marts.quarantined_events.

with

counts as (

    select
        (select count(*) from {{ source('raw', 'hook_events') }}) as raw_count,
        (
            select count(*)
            from {{ ref('stg_raw__hook_events') }}
            where quarantine_reason is null
        ) as valid_count,
        (select count(*) from {{ ref('quarantined_events') }}) as quarantined_count,
        (
            select count(*)
            from {{ ref('stg_raw__hook_events') }}
            where quarantine_reason is not null
        ) as staged_quarantined_count

)

select *
from counts
where valid_count + quarantined_count <> raw_count
    or quarantined_count <> staged_quarantined_count
