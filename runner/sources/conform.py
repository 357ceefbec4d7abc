"""Conform source records to raw.hook_events: canonical text, content hash, dedup.

Sources hand over a SQL ``select`` producing :data:`RECORD_COLUMNS`, every value as text
exactly as read. This module is the only place that writes raw.hook_events, so every
source kind gets the same canonical values:

- timestamps that parse are rewritten as UTC ``YYYY-MM-DD HH:MM:SS.ffffff`` (the form the
  application writes into SQLite); text that does not parse is kept for staging to flag;
- ``_row_hash`` is md5 over the event's content columns only — not lineage (``_source``,
  line, batch) and not the application's bookkeeping (``id``, ``processed``,
  ``processed_at``, ``created_at``), which differ between an export and the live table;
- a record is skipped when ``(coalesce(event_id, ''), _row_hash)`` is already stored or
  occurs earlier in the same batch.
"""

from __future__ import annotations

import duckdb

from runner import bookkeeping
from runner.contracts import HOOK_EVENTS_COLUMNS

#: The event's content: what makes two records "the same event, delivered twice".
CONTENT_COLUMNS = HOOK_EVENTS_COLUMNS[1:10]  # event_id … chat_history
#: The application's columns as raw.hook_events stores them: the content, then its ``id``
#: (a database source's row id) as ``source_row_id``, then its bookkeeping columns.
STORED_SOURCE_COLUMNS = (*CONTENT_COLUMNS, "source_row_id", *HOOK_EVENTS_COLUMNS[10:])

#: Columns every source's select must produce, in this order (all varchar except the
#: line number and the two booleans). ``_hash_extra`` only feeds the hash: unreadable
#: lines have no identity, so their line number is hashed with them (two equal bad lines
#: are two records). ``_check_repair`` says whether the payload may hold a lone surrogate
#: escape (null: look for ``\ud`` here); ``_line_repaired`` that the source already
#: repaired the record's line. Neither is stored.
RECORD_COLUMNS = (
    *STORED_SOURCE_COLUMNS,
    "_source",
    "_source_line",
    "_load_error",
    "_hash_extra",
    "_check_repair",
    "_line_repaired",
)

#: The columns of raw.hook_events, in the table's order: the source's, then the lineage.
RAW_COLUMNS = (
    *STORED_SOURCE_COLUMNS,
    "_source",
    "_source_line",
    "_batch_id",
    "_ingested_at",
    "_row_hash",
    "_load_error",
)
#: Every column is varchar but these.
_RAW_TYPES = {
    "source_row_id": "bigint",
    "processed": "integer",
    "_source_line": "bigint",
    "_ingested_at": "timestamp",
}
#: The long, high-cardinality text columns name their compression (FSST, which DuckDB
#: picks for them anyway at any real size): without it DuckDB tries every string
#: compression on each segment before choosing, about 0.5 s of a 6.5 s ingest per 1M
#: events (docs/ingest.md). The short, repetitive columns are left to DuckDB, which gives
#: them dictionaries. A warehouse created before keeps its columns as they were.
_FSST_COLUMNS = {"event_id", "timestamp", "payload", "processed_at", "created_at", "_row_hash"}
RAW_TABLE_DDL = (
    "create schema if not exists raw;\ncreate table if not exists raw.hook_events (\n"
    + ",\n".join(
        f'    "{column}" {_RAW_TYPES.get(column, "varchar")}'
        + (" using compression fsst" if column in _FSST_COLUMNS else "")
        for column in RAW_COLUMNS
    )
    + "\n);\n"
)

#: A timestamp already in the canonical form (UTC ``YYYY-MM-DD HH:MM:SS.ffffff``): the
#: form the application writes, so nearly every record's. A regex is 3-4x cheaper than the
#: timestamptz parse, the largest cost of ingest's select after the JSON functions.
CANONICAL_TS = (
    r"[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r" ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{6}"
)

#: JSON text with every lone surrogate escape (a \ud800-\udfff escape that is not a high
#: one followed by a low one) written as \ufffd (U+FFFD): DuckDB's JSON reader refuses
#: them, Python's json and most writers do not (Windows tools write them for mojibake).
#: Escaped backslashes are set aside first (chr(1) pairs), so the text ``C:\\ud800`` (a
#: backslash, then letters) is left alone; valid pairs next (chr(2) for their
#: backslashes); the \ud800-\udfff escapes left are lone. Text holding chr(1) or chr(2) is
#: not valid JSON anyway and is left as it is. The only definition of the repair: files
#: apply it to lines, every source to the payload (in :func:`_canonical_select`).
REPAIR_MACRO = r"""
create or replace temp macro ingest_repair_json(v) as case
    when contains(v, chr(1)) or contains(v, chr(2)) then v
    else replace(replace(regexp_replace(regexp_replace(
        replace(v, '\\', chr(1) || chr(1)),
        '\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})',
        chr(2) || 'u\1' || chr(2) || 'u\2', 'g'),
        '\\u[dD][89a-fA-F][0-9a-fA-F]{2}', '\\ufffd', 'g'),
        chr(2), '\'), chr(1) || chr(1), '\\')
end;
"""

# Temporary macros: the canonical forms, defined once per connection.
MACROS = f"""
create or replace temp macro ingest_parsed_ts(v) as case
    -- DuckDB's cast also reads 'epoch' and '(-)infinity': only a date is a time, and
    -- any other text is kept as written for staging to quarantine
    when regexp_matches(trim(v), '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') then coalesce(
        strftime(timezone('UTC', try_cast(v as timestamptz)), '%Y-%m-%d %H:%M:%S.%f'), v
    )
    else v
end;
create or replace temp macro ingest_canonical_ts(v) as case
    -- already canonical: parsing and formatting would return the same text (a date
    -- that does not exist fails to parse and is kept as written either way)
    when regexp_full_match(v, '{CANONICAL_TS}') then v
    else ingest_parsed_ts(v)
end;
create or replace temp macro ingest_flag(v) as try_cast(
    case lower(trim(v)) when 'true' then '1' when 'false' then '0' else trim(v) end
    as integer
);
"""


def prepare_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw and bookkeeping tables if missing, and the conform macros."""
    con.execute("set TimeZone = 'UTC'")
    con.execute(RAW_TABLE_DDL)
    bookkeeping.create_tables(con)
    con.execute(MACROS)
    con.execute(REPAIR_MACRO)


def _quote(column: str) -> str:
    return f'"{column}"'


def _canonical_select(records_sql: str) -> str:
    """Repair the payload, canonicalise the text columns and compute the content hash.

    A payload that may hold a lone surrogate escape (the source's ``_check_repair``, or
    ``\\ud`` / ``\\uD`` in it) is repaired (:data:`REPAIR_MACRO`); ``_repaired`` marks the
    records whose line or payload changed (not stored; :func:`count_repaired` counts it).
    """
    ts_columns = {"timestamp", "processed_at", "created_at"}
    canonical = []
    for column in RECORD_COLUMNS[: RECORD_COLUMNS.index("_check_repair")]:
        ref = f"r.{_quote(column)}"
        if column in ts_columns:
            canonical.append(f"ingest_canonical_ts({ref}) as {_quote(column)}")
        elif column == "source_row_id":
            canonical.append(f"try_cast({ref} as bigint) as source_row_id")
        elif column == "processed":
            canonical.append(f"ingest_flag({ref}) as processed")
        elif column == "payload":
            canonical.append("coalesce(r._fixed_payload, r.payload) as payload")
        else:
            canonical.append(f"{ref} as {_quote(column)}")
    canonical.append(
        "coalesce(r._line_repaired, false) or coalesce(r._fixed_payload <> r.payload, false)"
        " as _repaired"
    )
    may_need_repair = (
        "coalesce(s._check_repair, contains(s.payload, '\\ud') or contains(s.payload, '\\uD'))"
    )
    content = ", ".join(f"c.{_quote(column)}" for column in CONTENT_COLUMNS)
    return f"""
        select c.*, md5(to_json([{content}, c._hash_extra])::varchar) as _row_hash
        from (
            select {", ".join(canonical)}
            from (
                select s.*, case when s._load_error is null and {may_need_repair}
                                 then ingest_repair_json(s.payload) end as _fixed_payload
                from ({records_sql}) as s
            ) as r
        ) as c
    """


def count_repaired(con: duckdb.DuckDBPyConnection, records_sql: str) -> int:
    """How many records of ``records_sql`` the repair changes (line or payload)."""
    row = con.execute(
        f"select count(*) from ({_canonical_select(records_sql)}) where _repaired"
    ).fetchone()
    return int(row[0]) if row else 0


def insert_records(con: duckdb.DuckDBPyConnection, records_sql: str, batch_id: str) -> int:
    """Insert the records of ``records_sql`` that are not stored yet; return how many.

    One INSERT … SELECT, so DuckDB streams the source through its own (parallel)
    operators and nothing passes through Python. The anti-join sees rows inserted earlier
    in the same transaction, so several files of one batch deduplicate against each other.
    """
    columns = ", ".join(_quote(c) for c in RAW_COLUMNS)
    values = ", ".join(_raw_value(c) for c in RAW_COLUMNS)
    sql = f"""
        insert into raw.hook_events ({columns})
        select {values}
        from ({_canonical_select(records_sql)}) as b
        where not exists (
            select 1 from raw.hook_events as stored
            where coalesce(stored.event_id, '') = coalesce(b.event_id, '')
              and stored._row_hash = b._row_hash
        )
        qualify row_number() over (
            partition by coalesce(b.event_id, ''), b._row_hash
            order by b._source, b._source_line
        ) = 1
    """
    row = con.execute(sql, [batch_id]).fetchone()
    return int(row[0]) if row else 0


def insert_all(con: duckdb.DuckDBPyConnection, records_sql: str, batch_id: str) -> int:
    """Insert every record of ``records_sql``, duplicates included; return how many.

    :func:`count_and_drop_copies` then gives the result :func:`insert_records` would
    have, without a separate counting pass over the source.
    """
    row = con.execute(insert_all_sql(records_sql), [batch_id]).fetchone()
    return int(row[0]) if row else 0


def insert_all_sql(records_sql: str) -> str:
    """The statement of :func:`insert_all` (one parameter: the batch id)."""
    columns = ", ".join(_quote(c) for c in RAW_COLUMNS)
    values = ", ".join(_raw_value(c) for c in RAW_COLUMNS)
    return f"""
        insert into raw.hook_events ({columns})
        select {values} from ({_canonical_select(records_sql)}) as b
    """


#: The rows one source file of a batch inserted (parameters $batch and $source).
_FILE_ROWS = "(_batch_id = $batch and _source = $source)"
#: A 64-bit hash of the dedup key, to find candidate copies cheaply.
_KEY_HASH = "hash(coalesce(event_id, ''), _row_hash)"


def delete_file_rows(con: duckdb.DuckDBPyConnection, batch_id: str, source: str) -> None:
    """Delete what :func:`insert_all` inserted from ``source`` in this batch."""
    con.execute(
        f"delete from raw.hook_events where {_FILE_ROWS}", {"batch": batch_id, "source": source}
    )


def count_and_drop_copies(
    con: duckdb.DuckDBPyConnection, batch_id: str, source: str
) -> tuple[int, int]:
    """After :func:`insert_all` of one source file: (rows read, unreadable), then dedup.

    The file's rows are those of (``batch_id``, ``source``). One of them is deleted when
    its ``(coalesce(event_id, ''), _row_hash)`` key is already stored (by an earlier
    batch, or an earlier file of this one) or occurs on an earlier line of the file:
    exactly the rows :func:`insert_records` would have skipped. Copies are found by a
    64-bit hash of the key first, among the keys of this file only, and confirmed on the
    exact key, so a hash collision can never remove a distinct record. For a day's file
    on top of a 10M-event warehouse the delete took 0.5 s; the counting pass and the
    anti-join insert it replaces took 1.1 s and 8.8 s (docs/ingest.md).
    """
    params = {"batch": batch_id, "source": source}
    row = con.execute(
        f"select count(*), count(_load_error) from raw.hook_events where {_FILE_ROWS}", params
    ).fetchone()
    counts = (int(row[0]), int(row[1])) if row else (0, 0)
    con.execute(
        f"""
        delete from raw.hook_events where rowid in (
            select rowid from (
                select
                    rowid,
                    {_FILE_ROWS} as is_new,
                    row_number() over (
                        partition by coalesce(event_id, ''), _row_hash
                        order by {_FILE_ROWS}, _source_line
                    ) as copy_no
                from raw.hook_events
                where {_KEY_HASH} in (
                    select {_KEY_HASH}
                    from raw.hook_events
                    where {_KEY_HASH} in (
                        select {_KEY_HASH} from raw.hook_events where {_FILE_ROWS}
                    )
                    group by all
                    having count(*) > 1
                )
            )
            where copy_no > 1 and is_new
        )
        """,
        params,
    )
    return counts


def _raw_value(column: str) -> str:
    """The select expression feeding ``column`` of raw.hook_events."""
    if column == "_batch_id":
        return "?"
    if column == "_ingested_at":
        return "timezone('UTC', now())"
    return f"b.{_quote(column)}"
