"""The runner's own tables in the warehouse (schema ``runner``), declared in one place.

What each step remembers between runs, and who writes it:

- ``ingest_state``, ``ingest_batches``: the high-water id of each database source and
  the line accounting of every ingest batch (runner/ingest.py, runner/sources/);
- ``daily_runs``: every step of `runner daily`, and the days it finished (runner/daily.py);
- ``notifications``, ``notification_attempts``: which patterns each channel was told
  about, and every attempt (runner/notify.py);
- ``tested_through``: how far the session-incremental models' data tests have run
  (runner/tested_sessions.py).

``create_tables`` creates the missing ones (all of them: a few empty tables cost nothing
and each step needs one statement only). dbt never reads them.
"""

from __future__ import annotations

import duckdb

DDL = """
create schema if not exists runner;
create table if not exists runner.ingest_state (
    source varchar primary key,
    high_water_id bigint not null,
    updated_at timestamp not null
);
create table if not exists runner.ingest_batches (
    batch_id varchar primary key,
    source varchar not null,
    started_at timestamp not null,
    finished_at timestamp not null,
    rows_read bigint not null,
    rows_inserted bigint not null,
    rows_skipped bigint not null,
    rows_unreadable bigint not null
);
-- added with the line accounting (issue 19); older warehouses gain them here
alter table runner.ingest_batches add column if not exists rows_blank bigint default 0;
alter table runner.ingest_batches add column if not exists rows_repaired bigint default 0;
create table if not exists runner.daily_runs (
    run_id varchar not null,
    run_date date,
    step varchar not null,
    status varchar not null,
    started_at timestamp not null,
    finished_at timestamp not null,
    detail varchar
);
create table if not exists runner.notifications (
    pattern_id varchar not null,
    channel_key varchar not null,
    notified_at timestamp not null,
    primary key (pattern_id, channel_key)
);
create table if not exists runner.notification_attempts (
    run_id varchar not null,
    channel_key varchar not null,
    channel_label varchar not null,
    attempted_at timestamp not null,
    ok boolean not null,
    error varchar,
    pattern_count integer not null
);
create table if not exists runner.tested_through (
    tested_through timestamp not null,
    recorded_at timestamp not null,
    run_date date
);
"""


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the runner's tables that are missing (and columns added since)."""
    con.execute(DDL)
