"""The bare statement (the former limit): the mining job as one DuckDB SQL statement.

One query reads the JSONL file with DuckDB (as numbered text lines, then its JSON
functions) and does the work that decides the pattern counts, with the same rules as the
models (and as benchmarks/reference.py): validity filters, event-id dedup, Pre/Post
pairing with lead(), Bash signatures from the seed's rules (prefix strip, two unwrap
passes, alias, script or subcommand), 30-minute segments from the latest earlier end,
collapse of repeated signatures, the step cap, n-grams of 2..5 steps with lead(), and a
count per sequence with its distinct sessions.

What it leaves out is everything the pipeline does beyond the counts: the raw copy and
content hash of ingest, redaction, destructive rules, the lists of call and event ids,
scoring, classification, tests and materialising each model. It was taken as the floor
until benchmarks/limit_duckdb.py showed a faster exact statement; it runs on request
(`python -m benchmarks --with-bare`). Timestamps are parsed with a plain cast (the
generator writes no offsets).

    python -m benchmarks.bare_duckdb events.jsonl --out counts.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from runner import paths
from runner.sample.signatures import AFTER_FIRST_WORD, FIRST_WORD, STRIP_PREFIXES, SUBCOMMAND

SEED = paths.PROJECT_DIR / "seeds" / "tool_signature_rules.csv"


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _first_word(expr: str) -> str:
    return f"nullif(regexp_replace(regexp_extract({expr}, {_lit(FIRST_WORD)}, 1), '^.*/', ''), '')"


def _rest(expr: str) -> str:
    return f"regexp_replace({expr}, {_lit(AFTER_FIRST_WORD)}, '')"


def unwrap_ctes(first: str) -> list[str]:
    """CTEs ``unwrapped_1`` and ``unwrapped_2``: two passes of the seed's launcher unwrap
    (``rules``) over ``first``'s ``program_0`` / ``rest_0``, as the models do."""
    unwraps = []
    for n in (1, 2):
        prev = first if n == 1 else "unwrapped_1"
        launched = (
            f"regexp_replace(regexp_replace(p.rest_{n - 1}, r.unwrap_regex, ''), "
            f"{_lit(STRIP_PREFIXES)}, '')"
        )
        matches = f"coalesce(regexp_matches(p.rest_{n - 1}, r.unwrap_regex), false)"
        unwraps.append(
            f"""
    unwrapped_{n} as (
        select p.*,
            case when {matches} then {_first_word(launched)} else p.program_{n - 1} end
                as program_{n},
            case when {matches} then {_rest(launched)} else p.rest_{n - 1} end as rest_{n}
        from {prev} as p left join rules as r on p.program_{n - 1} = r.program
    ),"""
        )
    return unwraps


def bare_sql(jsonl: str, seed: Path = SEED) -> str:
    """The whole job as one select of (tool_sequence, occurrences, sessions)."""
    unwraps = unwrap_ctes("commands")
    return f"""
    with
    rules as (
        select program, nullif(alias, '') as alias,
            coalesce(cast(keep_subcommand as boolean), false) as keep_subcommand,
            nullif(unwrap_regex, '') as unwrap_regex,
            nullif(script_regex, '') as script_regex
        from read_csv({_lit(str(seed))}, all_varchar = true)
    ),
    lines as (
        -- read as text lines, as ingest does: ``with ordinality`` is then the line number
        select
            case when json_valid(line) then json_extract_string(line, [
                '$.event_id', '$.event_type', '$.session_id', '$.timestamp', '$.payload',
                '$.tool_name']) end as f,
            f[1] as event_id, f[2] as event_type, f[3] as session_id, f[4] as "timestamp",
            f[5] as payload, f[6] as tool_name, ordinality as line_no
        from read_csv({_lit(jsonl)}, columns = {{'line': 'VARCHAR'}}, delim = chr(0),
                      quote = '', escape = '', header = false, auto_detect = false,
                      strict_mode = false, max_line_size = 16777216) with ordinality
    ),
    firsts as (
        select * from lines
        where nullif(trim(event_id), '') is not null
        qualify row_number() over (partition by trim(event_id) order by line_no) = 1
    ),
    events as (
        select trim(event_id) as event_id, event_type, line_no,
            trim(session_id) as session_id,
            -- a time starts with its date: DuckDB's cast also reads 'epoch', '(-)infinity'
            case when left(trim("timestamp"), 1) between '0' and '9'
                then try_cast(trim("timestamp") as timestamp) end as event_at,
            coalesce(nullif(trim(tool_name), ''),
                     nullif(trim(payload::json ->> '$.tool_name'), '')) as tool_name,
            nullif(payload::json ->> '$.tool_use_id', '') as tool_use_id,
            payload::json -> '$.tool_input' as tool_input
        from firsts
        where event_type in ('PreToolUse', 'PostToolUse') and json_valid(payload)
            and nullif(trim(session_id), '') is not null
    ),
    valid as (
        select * from events
        where event_at is not null and tool_name is not null
            and event_at <= now()::timestamp + interval 5 minute
    ),
    neighbours as (
        select *,
            lead(event_type) over w as next_type,
            lead(event_at) over w as next_at,
            lead(tool_input) over w as next_input,
            lag(event_type) over w as prev_type
        from valid
        window w as (partition by session_id, tool_name, coalesce(tool_use_id, '')
                     order by event_at, line_no, event_id)
    ),
    calls as (
        select session_id, tool_name, event_id as call_id, event_at as started_at,
            case when next_type = 'PostToolUse' then next_at end as ended_at,
            coalesce(tool_input,
                     case when next_type = 'PostToolUse' then next_input end) as tool_input
        from neighbours where event_type = 'PreToolUse'
        union all
        select session_id, tool_name, event_id, event_at, event_at, tool_input
        from neighbours
        where event_type = 'PostToolUse' and coalesce(prev_type, '') <> 'PreToolUse'
    ),
    commands as (
        select *, {_first_word("core")} as program_0, {_rest("core")} as rest_0
        from (
            select *, regexp_replace(
                case when tool_name = 'Bash' then tool_input ->> '$.command' end,
                {_lit(STRIP_PREFIXES)}, '') as core
            from calls
        )
    ),{"".join(unwraps)}
    signed as (
        select u.session_id, u.call_id, u.started_at,
            coalesce(u.ended_at, u.started_at) as last_at,
            case
                when u.tool_name <> 'Bash' then u.tool_name
                when u.program_2 is null then 'Bash'
                else 'Bash(' || coalesce(r.alias, u.program_2) || coalesce(
                    ' ' || coalesce(
                        nullif(regexp_replace(
                            regexp_extract(u.rest_2, r.script_regex, 1), '^.*/', ''), ''),
                        case when r.keep_subcommand then nullif(
                            regexp_extract(u.rest_2, {_lit(SUBCOMMAND)}, 1), '') end),
                    '') || ')'
            end as signature
        from unwrapped_2 as u left join rules as r on u.program_2 = r.program
    ),
    gaps as (
        select *,
            case when max(last_at) over before is null
                      or started_at > max(last_at) over before + interval 30 minute
                 then 1 else 0 end as starts_segment,
            row_number() over (partition by session_id order by started_at, call_id) as n
        from signed
        window before as (partition by session_id order by started_at, call_id
                          rows between unbounded preceding and 1 preceding)
    ),
    segmented as (
        select *, sum(starts_segment) over (partition by session_id order by n) as segment
        from gaps
    ),
    steps as (
        select session_id, segment, n, signature,
            sum(case when signature is distinct from prev then 1 else 0 end)
                over (partition by session_id, segment order by n) as step
        from (
            select *, lag(signature) over (partition by session_id, segment order by n) as prev
            from segmented
        )
        qualify signature is distinct from prev
    ),
    grams as (
        select session_id,
            [signature,
             lead(signature, 1) over s, lead(signature, 2) over s,
             lead(signature, 3) over s, lead(signature, 4) over s] as following
        from steps
        where step <= 5000
        window s as (partition by session_id, segment order by step)
    ),
    occurrences as (
        select session_id, list_aggregate(following[1:len], 'string_agg', '→') as sequence
        from grams, range(2, 6) as lengths(len)
        where following[len] is not null
    )
    select sequence, count(*) as occurrences, count(distinct session_id) as sessions
    from occurrences
    group by sequence
    """


def mine(jsonl: Path, *, threads: int | None = None) -> dict[str, tuple[int, int]]:
    """Run the statement in an in-memory DuckDB; (occurrences, sessions) per sequence."""
    return run_statement(bare_sql(str(jsonl.resolve())), threads=threads)


def run_statement(
    sql: str, *, threads: int | None = None, prelude: tuple[str, ...] = ()
) -> dict[str, tuple[int, int]]:
    """A counting statement (sequence, occurrences, sessions) in an in-memory DuckDB, in UTC;
    ``prelude`` runs first (e.g. the macros the statement calls)."""
    config: dict[str, str | bool | int | float | list[str]] = (
        {"threads": threads} if threads else {}
    )
    with duckdb.connect(config=config) as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute("set enable_progress_bar = false")
        for statement in prelude:
            con.execute(statement)
        rows = con.execute(sql).fetchall()
    return {seq: (int(n), int(s)) for seq, n, s in rows}


def statement_main(
    mine_file: Callable[[Path], dict[str, tuple[int, int]]],
    description: str,
    argv: list[str] | None = None,
) -> None:
    """The command line of a counting statement: mine a file, write its counts, print the time."""
    from benchmarks.reference import write_counts

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("file", type=Path, help="JSONL file")
    parser.add_argument("--out", type=Path, required=True, help="counts as JSON")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    counts = mine_file(args.file)
    seconds = time.perf_counter() - started
    write_counts(counts, args.out)
    json.dump({"seconds": seconds, "patterns": len(counts)}, sys.stdout)
    print()


def main(argv: list[str] | None = None) -> None:
    statement_main(mine, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    main()
