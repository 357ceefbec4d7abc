"""The limit: the fastest exact DuckDB statement for the reference's job (issue 22).

Same input, same rules and the same counts per sequence as benchmarks/reference.py
(checked equal by tests/test_benchmarks.py and by every benchmark run), written for
speed rather than to mirror the models:

- each line is parsed once, into typed fields, in a materialized step that every later
  step shares (a filter on the event id would otherwise be pushed below the parse and
  run it twice);
- duplicates: a hash aggregate finds the few duplicated ids (by a 64-bit hash first,
  then exactly) and their first line, and a join drops the later copies; no window over
  every row;
- the payload is parsed once, by ``from_json`` into the typed fields the job reads
  (tool name, tool_use_id and the command);
- signatures are computed per distinct command (a few thousand, not one per call) with
  the seed's rules, and joined back as integer codes;
- pairing, segments, collapse and n-grams are windows over integer codes;
- an n-gram is one BIGINT (its signature codes as digits in base number-of-signatures
  + 1), counted with its distinct sessions, and turned into text only once per distinct
  pattern at the end.

What it leaves out is everything the pipeline does beyond the counts (the raw copy,
content hash, redaction, destructive rules, id lists, scoring, tests, writing tables).
Its time is the floor that the pipeline's ingest + build is compared with.

    python -m benchmarks.limit_duckdb events.jsonl --out counts.json
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.bare_duckdb import (
    SEED,
    _first_word,
    _lit,
    _rest,
    run_statement,
    statement_main,
    unwrap_ctes,
)
from runner.sample import STRIP_PREFIXES, SUBCOMMAND
from runner.sources.conform import REPAIR_MACRO

#: The typed payload fields the job reads; a non-object ``tool_input`` gives a struct
#: whose command is null (the reference's "Bash"), a JSON null gives null (no input).
PAYLOAD_TYPE = (
    '{"tool_name": "VARCHAR", "tool_use_id": "VARCHAR", "tool_input": {"command": "VARCHAR"}}'
)
ARROW = "→"
#: An n-gram is a number: its signature codes as digits in base b = number of signatures
#: + 1, up to 5 digits. BIGINT holds them while b^5 < 2^63 (b <= BIGINT_MAX_BASE); the
#: generator's 10M-event file has 10,839 signatures (scripts and subcommands), so past
#: that base the n-grams are HUGEINT (holds b up to 47 million), which costs about 25 %
#: more at 2M events: each file gets the narrowest type that holds its n-grams.
BIGINT_MAX_BASE = 6208
GRAM_LIMITS = {"bigint": "9.2e18", "hugeint": "1.7e38"}
#: Text that may hold a lone surrogate escape, which DuckDB's JSON functions refuse and
#: ingest repairs (conform.REPAIR_MACRO): only such text pays for the repair.
_MAY_HOLD_SURROGATE = "(contains({0}, '\\ud') or contains({0}, '\\uD'))"


def _signature_sql(seed: Path) -> str:
    """CTEs ``rules`` .. ``command_signatures(command, signature)``: the seed's Bash rules
    applied to each distinct command of ``distinct_commands(command)``."""
    unwraps = unwrap_ctes("command_words")
    return f"""
    rules as (
        select program, nullif(alias, '') as alias,
            coalesce(cast(keep_subcommand as boolean), false) as keep_subcommand,
            nullif(unwrap_regex, '') as unwrap_regex,
            nullif(script_regex, '') as script_regex
        from read_csv({_lit(str(seed))}, all_varchar = true)
    ),
    command_words as (
        select command, {_first_word("core")} as program_0, {_rest("core")} as rest_0
        from (
            select command, regexp_replace(command, {_lit(STRIP_PREFIXES)}, '') as core
            from distinct_commands
        )
    ),{"".join(unwraps)}
    command_signatures as (
        select u.command,
            case
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
    ),"""


def _counting_sql(name: str, gram_type: str, condition: str) -> str:
    """CTEs ``grams_<name>`` .. ``counted_<name>(tool_sequence, occurrences, sessions)``:
    the n-grams of ``steps_numbered`` as numbers of ``gram_type``, counted, and turned
    into text once per distinct n-gram; no rows unless ``condition`` holds for ``b``."""
    return f"""
    grams_{name} as (
        select session_code, g2, g2 * b + s3 as g3, (g2 * b + s3) * b + s4 as g4,
            ((g2 * b + s3) * b + s4) * b + s5 as g5
        from (
            select session_code,
                cast(signature_code as {gram_type}) * b + lead(signature_code, 1) over w as g2,
                lead(signature_code, 2) over w as s3, lead(signature_code, 3) over w as s4,
                lead(signature_code, 4) over w as s5
            from steps_numbered, base
            where {condition}
            window w as (partition by session_code, segment order by step)
        ), base
        where g2 is not null
    ),
    per_session_{name} as (
        select gram, session_code, count(*) as occurrences
        from (select session_code, unnest([g2, g3, g4, g5]) as gram from grams_{name})
        where gram is not null
        group by gram, session_code
    ),
    counted_{name} as (
        select
            array_to_string(list_transform(
                range(case when gram < b * b then 1 when gram < b * b * b then 2
                           when gram < b * b * b * b then 3 else 4 end, -1, -1),
                i -> names[cast((gram // cast(pow(b, i) as bigint)) % b as bigint)]),
                '{ARROW}') as tool_sequence,
            occurrences, sessions
        from (
            select gram, sum(occurrences) as occurrences, count(*) as sessions
            from per_session_{name} group by gram
        ), base, names
        -- on the n-grams' rows (a test of b alone would be pushed down to base and
        -- raise in the counting that has no rows)
        where case when gram is not null and pow(b, 5) > {GRAM_LIMITS[gram_type]}
                   then error('too many signatures for {gram_type} n-grams') else true end
    )"""


def limit_sql(jsonl: str, seed: Path = SEED) -> str:
    """The whole job as one select of (tool_sequence, occurrences, sessions)."""
    return f"""
    with
    fields as materialized (
        -- numbered text lines, as ingest reads them; each parsed once, here, into the
        -- typed fields every later step shares
        select line_no, nullif(trim(f[1]), '') as event_id, f[2] as event_type,
            nullif(trim(f[3]), '') as session_id, f[4] as event_time,
            case when {_MAY_HOLD_SURROGATE.format("f[5]")} then ingest_repair_json(f[5])
                 else f[5] end as payload,
            nullif(trim(f[6]), '') as column_tool
        from (
            select line_no,
                case when json_valid(line) then json_extract_string(line, [
                    '$.event_id', '$.event_type', '$.session_id', '$.timestamp', '$.payload',
                    '$.tool_name']) end as f
            from (
                -- lone surrogate escapes repaired as ingest does (runner/sources/conform.py)
                select ordinality as line_no,
                    case when {_MAY_HOLD_SURROGATE.format("line")}
                         then ingest_repair_json(line) else line end as line
                from read_csv({_lit(jsonl)}, columns = {{'line': 'VARCHAR'}}, delim = chr(0),
                          quote = '', escape = '', header = false, auto_detect = false,
                          strict_mode = false, max_line_size = 16777216) with ordinality
            )
        )
    ),
    hashed_duplicates as (
        select hash(event_id) as id_hash
        from fields where event_id is not null
        group by id_hash having count(*) > 1
    ),
    first_lines as (
        -- the first line of each id seen more than once; later lines are duplicates
        select event_id, min(line_no) as first_line
        from fields
        where hash(event_id) in (select id_hash from hashed_duplicates)
        group by event_id having count(*) > 1
    ),
    tool_events as materialized (
        -- materialized: the payload's filters below must not parse it again
        select f.line_no, f.event_id, f.event_type = 'PreToolUse' as is_pre, f.session_id,
            -- a time starts with a digit (its date): DuckDB's cast also reads the words
            -- 'epoch' and '(-)infinity', which the pipeline and the reference refuse
            case when left(trim(f.event_time), 1) between '0' and '9'
                then try_cast(trim(f.event_time) as timestamp) end as event_at,
            f.column_tool,
            from_json(f.payload, '{PAYLOAD_TYPE}') as p
        from fields as f left join first_lines as d on f.event_id = d.event_id
        where f.event_id is not null
            and (d.first_line is null or d.first_line = f.line_no)
            and f.event_type in ('PreToolUse', 'PostToolUse')
            and f.session_id is not null
            and json_valid(f.payload)
    ),
    valid as materialized (
        select line_no, event_id, is_pre, session_id, event_at,
            coalesce(column_tool, nullif(trim(p.tool_name), '')) as tool_name,
            coalesce(nullif(trim(p.tool_use_id), ''), '') as use_id,
            p.tool_input is not null as has_input,
            p.tool_input.command as command
        from tool_events
        -- a blank tool name is dropped by the inner join on the tool's code below (a
        -- filter here would be pushed below the materialized payload and parse it again)
        where event_at is not null
            and event_at <= now()::timestamp + interval 5 minute
    ),
    sessions as (
        select session_id, row_number() over (order by session_id) as session_code
        from (select distinct session_id from valid)
    ),
    distinct_commands as (
        select distinct command from valid
        where tool_name = 'Bash' and command is not null
    ),{_signature_sql(seed)}
    tools as (select distinct tool_name from valid),
    signatures as (
        -- every signature a call can have: its code is a digit of the n-gram numbers
        select signature, row_number() over (order by signature) as code
        from (
            select signature from command_signatures
            union
            select tool_name from tools
        )
    ),
    base as (
        select count(*) + 1 as b from signatures
    ),
    tool_codes as (
        select t.tool_name, s.code from tools as t join signatures as s on t.tool_name = s.signature
    ),
    command_codes as (
        select c.command, s.code
        from command_signatures as c join signatures as s on c.signature = s.signature
    ),
    coded as (
        -- per event: its signature when it carries an input (else null), and its tool's
        select v.line_no, v.event_id, v.is_pre, v.event_at, v.use_id,
            s.session_code, t.code as tool_code,
            case
                when not v.has_input then null
                when v.tool_name <> 'Bash' then t.code
                else coalesce(c.code, t.code)
            end as signature_code
        from valid as v
        join sessions as s on v.session_id = s.session_id
        join tool_codes as t on v.tool_name = t.tool_name
        left join command_codes as c
            on c.command = case when v.tool_name = 'Bash' then v.command end
    ),
    neighbours as (
        select *,
            lead(is_pre) over w as next_is_pre,
            lead(event_at) over w as next_at,
            lead(signature_code) over w as next_signature,
            lag(is_pre) over w as prev_is_pre
        from coded
        window w as (partition by session_code, tool_code, use_id order by event_at, line_no)
    ),
    calls as (
        select session_code, event_id as call_id, event_at as started_at,
            case when next_is_pre = false then next_at else event_at end as last_at,
            coalesce(signature_code,
                     case when next_is_pre = false then next_signature end,
                     tool_code) as signature_code
        from neighbours where is_pre
        union all
        select session_code, event_id, event_at, event_at, coalesce(signature_code, tool_code)
        from neighbours
        where not is_pre and coalesce(prev_is_pre, false) = false
    ),
    gaps as (
        select session_code, started_at, call_id, signature_code,
            case when max(last_at) over earlier is null
                      or started_at > max(last_at) over earlier + interval 30 minute
                 then 1 else 0 end as starts_segment
        from calls
        window earlier as (partition by session_code order by started_at, call_id
                           rows between unbounded preceding and 1 preceding)
    ),
    segmented as (
        select session_code, signature_code, started_at, call_id,
            sum(starts_segment) over (partition by session_code
                                      order by started_at, call_id) as segment
        from gaps
    ),
    changes as (
        select session_code, segment, started_at, call_id, signature_code,
            signature_code is distinct from lag(signature_code) over (
                partition by session_code, segment order by started_at, call_id
            ) as is_new_step
        from segmented
    ),
    steps as (
        select session_code, segment, signature_code,
            row_number() over (partition by session_code, segment
                               order by started_at, call_id) as step
        from changes where is_new_step
    ),
    steps_numbered as materialized (
        -- read by both countings below; only the one whose type holds the n-grams gets rows
        select * from steps where step <= 5000
    ),
    names as (
        select list(signature order by code) as names from signatures
    ),{_counting_sql("small", "bigint", f"b <= {BIGINT_MAX_BASE}")},
    {_counting_sql("large", "hugeint", f"b > {BIGINT_MAX_BASE}")}
    select * from counted_small
    union all
    select * from counted_large
    """


def mine(jsonl: Path, *, threads: int | None = None) -> dict[str, tuple[int, int]]:
    """Run the statement in an in-memory DuckDB; (occurrences, sessions) per sequence."""
    return run_statement(limit_sql(str(jsonl.resolve())), threads=threads, prelude=(REPAIR_MACRO,))


def main(argv: list[str] | None = None) -> None:
    statement_main(mine, __doc__.splitlines()[0], argv)


if __name__ == "__main__":
    main()
