{#- One row per raw record that staging quarantined, with the reason and where it came
    from, so an operator can find and fix the source. The raw payload is redacted.
    A view on DuckDB: staging already holds these rows, so it is always what staging says
    (a table would redact every quarantined payload ever loaded again on each build; an
    operator reading the view redacts only the rows read). A table on Spark, whose
    readers take the marts as Parquet files (a view has none). -#}

{{ config(materialized='table' if target.type == 'spark' else 'view') }}

with

hook_events as (

    -- schema.table without the database: a view binds where it lives, so a copied
    -- warehouse file, or one attached under another name, still reads
    select * from {{ ref('stg_raw__hook_events').include(database=false) }}

),

quarantined as (

    select * from hook_events
    where quarantine_reason is not null

),

final as (

    select
        {{ hash_key(['source', 'source_line', 'batch_id']) }} as quarantined_event_id,
        quarantine_reason,
        source,
        source_line,
        batch_id,
        event_id,
        event_type,
        session_id,
        event_at,
        load_error,
        {{ redact_secrets('raw_payload') }} as raw_payload,
        ingested_at
    from quarantined

)

select * from final
