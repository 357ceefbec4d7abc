"""JSON-lines and Parquet files (a path or a glob), read by DuckDB's parallel readers.

A JSONL file is read as text lines (``read_csv`` with one varchar column, a NUL
delimiter, no quoting) ``with ordinality``, so every line keeps its exact 1-based number,
blank lines included; DuckDB then parses them with its JSON functions. A line that is
not a JSON object is still stored, with ``_load_error`` set and the raw line as payload.
A Parquet row is turned into the same JSON text (``to_json`` of the row), so both formats
share one mapping — including Claude Code's own hook JSON, detected per record.
"""

from __future__ import annotations

import codecs
import glob
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from runner.contracts import HOOK_EVENTS_COLUMNS
from runner.errors import RunnerError
from runner.sources.base import ReadCounts, Source
from runner.sources.conform import (
    count_and_drop_copies,
    delete_file_rows,
    insert_all,
    insert_all_sql,
)

JSONL_SUFFIXES = (".jsonl", ".ndjson")
PARQUET_SUFFIXES = (".parquet",)
#: An unreadable line is stored as payload up to this many characters.
MAX_UNREADABLE_CHARS = 65_536
#: Longest JSONL line DuckDB accepts. It also sets the CSV reader's buffer size, and one
#: buffer is one unit of parallel work: 1 GB made a 700 MB file single-threaded (2x slower).
MAX_LINE_BYTES = 16 * 1024 * 1024
#: How much of a file is sniffed for binary content before DuckDB reads it.
SNIFF_BYTES = 1024
PARQUET_MAGIC = b"PAR1"
UTF8_BOM = b"\xef\xbb\xbf"
#: The one-pass JSONL reader hands DuckDB the file in pieces of about this size (a whole
#: number of lines each), as Arrow tables of this many lines a batch: DuckDB scans the
#: batches in parallel, where read_csv … with ordinality numbers lines on one thread.
PIECE_BYTES = 64 * 1024 * 1024
PIECE_BATCH_LINES = 8192
LINES_SCHEMA = pa.schema([("line", pa.string()), ("line_no", pa.int64())])

# JSON paths extracted from every record, parsed once per line with json_extract_string.
FIELDS = (*HOOK_EVENTS_COLUMNS, "hook_event_name", "tool_use_id")


#: A line's text without the newline the piece reader leaves on it (JSON functions read
#: it as whitespace, so only the places that use the text itself strip it, lazily).
TEXT = "rtrim(line, chr(10))"


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _field(name: str) -> str:
    """The extracted value of ``name`` (1-based list index into ``f``)."""
    return f"f[{FIELDS.index(name) + 1}]"


def _records_from_lines(lines_sql: str, source_name: str) -> str:
    """Map ``(line, line_no)`` rows to the record columns of conform.RECORD_COLUMNS."""
    paths = "[" + ", ".join(_sql_string(f"$.{name}") for name in FIELDS) + "]"
    claude = "is_claude"

    def pick(table_shape: str, claude_shape: str = "null") -> str:
        return f"case when {claude} then {claude_shape} else {table_shape} end"

    claude_event_id = (
        f"coalesce({_field('tool_use_id')} || ':' || {_field('hook_event_name')}, "
        f"'cc-' || md5({TEXT}))"
    )
    return f"""
        with lines as ({lines_sql}),
        checked as (
            select line, line_no,
                case
                    when not json_valid(line) then
                        case when ltrim({TEXT}) like '{{%' and rtrim({TEXT}) not like '%}}'
                             then 'invalid JSON: unterminated object (truncated line?)'
                             else 'invalid JSON: not a JSON document' end
                    -- valid JSON starting with a brace is an object: json_type (a second
                    -- parse) only runs for the rare valid lines that do not
                    when case when starts_with(line, '{{') then false
                              else json_type(line) <> 'OBJECT' end then
                        'invalid JSON: expected an object, got ' || lower(json_type(line))
                end as load_error
            from lines
            -- blank lines are numbered, not stored; trim() is slow on long lines, so a
            -- line starting with a brace skips it (it cannot be blank)
            where case when starts_with(line, '{{') then true
                       else trim(coalesce({TEXT}, '')) <> '' end
        ),
        extracted as (
            select line, line_no, load_error,
                case when load_error is null then json_extract_string(line, {paths}) end as f
            from checked
        ),
        shaped as (
            select *, coalesce(
                {_field("hook_event_name")} is not null and {_field("event_type")} is null,
                false
            ) as is_claude
            from extracted
        )
        select
            {pick(_field("event_id"), claude_event_id)} as event_id,
            {pick(_field("event_type"), _field("hook_event_name"))} as event_type,
            {pick(_field("source_app"))} as source_app,
            {_field("session_id")} as session_id,
            {pick(_field("workflow_id"))} as workflow_id,
            {_field("timestamp")} as "timestamp",
            case when load_error is not null then left({TEXT}, {MAX_UNREADABLE_CHARS})
                 else {pick(_field("payload"), TEXT)} end as payload,
            {_field("tool_name")} as tool_name,
            {pick(_field("chat_history"))} as chat_history,
            {pick(_field("id"))} as source_row_id,
            {pick(_field("processed"))} as processed,
            {pick(_field("processed_at"))} as processed_at,
            {pick(_field("created_at"))} as created_at,
            {_sql_string(source_name)} as _source,
            line_no as _source_line,
            load_error as _load_error,
            case when load_error is not null then md5({TEXT}) || ':' || line_no end as _hash_extra
        from shaped
    """


def _jsonl_lines(path: str) -> str:
    """Every physical line of ``path`` with its 1-based number (blank lines included)."""
    return f"""
        select line, ordinality as line_no
        from read_csv({_sql_string(path)}, columns = {{'line': 'VARCHAR'}},
                      delim = chr(0), quote = '', escape = '', header = false,
                      auto_detect = false, strict_mode = false, max_line_size = {MAX_LINE_BYTES})
             with ordinality
    """


class _NeedsCsvReader(Exception):
    """The file has bytes whose line splitting only read_csv defines (CR, NUL)."""


def _line_pieces(file: Path) -> Iterator[pa.Table]:
    """The lines of ``file`` as Arrow tables ``(line, line_no)``, numbered from 1.

    The same lines as :func:`_jsonl_lines` for a file without CR or NUL bytes (LF ends
    a line, a leading BOM is dropped; blank lines are numbered and filtered later), which
    is checked per piece: :class:`_NeedsCsvReader` otherwise. Each line keeps its
    terminating LF (the last one may have none): the bytes are handed to Arrow as they
    were read, without a copy per line. At most one piece is held at a time.
    """
    line_no = 0
    with file.open("rb") as handle:
        if handle.read(len(UTF8_BOM)) != UTF8_BOM:
            handle.seek(0)
        while data := handle.read(PIECE_BYTES):
            cut = len(data)
            if len(data) == PIECE_BYTES:  # maybe more to come: end on a whole line
                cut = data.rfind(b"\n") + 1
                if cut == 0:  # one line longer than a piece: read it whole
                    more = handle.readline(MAX_LINE_BYTES + 1)
                    data, cut = data + more, len(data) + len(more)
                    if len(data) > MAX_LINE_BYTES and not data.endswith(b"\n"):
                        raise RunnerError(
                            f"cannot read source file {file}: a line is longer than "
                            f"{MAX_LINE_BYTES} bytes",
                            "split the line or the file; nothing was loaded",
                        )
                else:
                    handle.seek(cut - len(data), 1)  # the partial line starts the next piece
            piece = memoryview(data)[:cut]
            if data.find(b"\r", 0, cut) >= 0 or data.find(b"\x00", 0, cut) >= 0:
                raise _NeedsCsvReader
            table = _piece_table(file, piece, line_no)
            line_no += table.num_rows
            yield table


def _read_ahead(pieces: Iterator[pa.Table]) -> Iterator[pa.Table]:
    """The items of ``pieces``; the next one is read in a thread while DuckDB inserts this one.

    Reading a piece (the file read, the LF scan, the UTF-8 check) costs about 1 s a GB on
    one core, and DuckDB releases the GIL while it runs. Errors surface in order, from
    the piece that raised them. At most two pieces are held at a time.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-read") as reader:
        upcoming = reader.submit(next, pieces, None)
        while (piece := upcoming.result()) is not None:
            upcoming = reader.submit(next, pieces, None)
            yield piece


def _piece_table(file: Path, piece: memoryview, first: int) -> pa.Table:
    """Lines of ``piece`` (whole lines, LF kept) numbered from ``first + 1``."""
    ends = np.flatnonzero(np.frombuffer(piece, np.uint8) == 10) + 1
    if not len(ends) or ends[-1] != len(piece):
        ends = np.append(ends, len(piece))
    offsets = np.concatenate(([0], ends)).astype(np.int32)
    if int(np.diff(offsets).max()) > MAX_LINE_BYTES + 1:
        raise RunnerError(
            f"cannot read source file {file}: a line is longer than {MAX_LINE_BYTES} bytes",
            "split the line or the file; nothing was loaded",
        )
    count = len(offsets) - 1
    lines = pa.Array.from_buffers(
        pa.string(), count, [None, pa.py_buffer(offsets), pa.py_buffer(piece)]
    )
    try:
        lines.validate(full=True)
    except pa.ArrowInvalid as exc:
        raise RunnerError(
            f"cannot read source file {file}: invalid UTF-8 ({exc})",
            "check that it is JSON lines (UTF-8 text); nothing was loaded",
        ) from exc
    numbers = pa.array(np.arange(first + 1, first + count + 1, dtype=np.int64))
    batch = pa.RecordBatch.from_arrays([lines, numbers], schema=LINES_SCHEMA)
    step = PIECE_BATCH_LINES
    return pa.Table.from_batches(
        [batch.slice(start, step) for start in range(0, count, step)], schema=LINES_SCHEMA
    )


def _parquet_lines(con: duckdb.DuckDBPyConnection, path: str) -> str:
    """Each Parquet row as JSON text (as if it were a JSONL line), numbered from 1."""
    described = con.execute(f"describe select * from read_parquet({_sql_string(path)})")
    names = [row[0] for row in described.fetchall()]
    packed = ", ".join(f'{_sql_string(n)}: "{n.replace(chr(34), chr(34) * 2)}"' for n in names)
    return f"""
        select to_json({{{packed}}})::varchar as line, file_row_number + 1 as line_no
        from read_parquet({_sql_string(path)}, file_row_number = true)
    """


def _looks_like_text(path: Path) -> bool:
    """True when the first KB is UTF-8 without NUL bytes: a cheap guard against binaries."""
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if b"\x00" in head:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _looks_like_parquet(path: Path) -> bool:
    """Parquet files start and end with the 4-byte magic ``PAR1``."""
    size = path.stat().st_size
    if size < 2 * len(PARQUET_MAGIC):
        return False
    with path.open("rb") as handle:
        head = handle.read(len(PARQUET_MAGIC))
        handle.seek(size - len(PARQUET_MAGIC))
        tail = handle.read(len(PARQUET_MAGIC))
    return head == PARQUET_MAGIC and tail == PARQUET_MAGIC


def _distinct_files(paths: Iterable[Path]) -> list[Path]:
    """The regular files of ``paths``, each real file once (the first path naming it).

    Rows are recorded under the file's resolved path (``_source``), and a file's counts
    and dedup go by that path, so a file reached twice (through a symlink, or ``..``)
    would be read twice under one name and counted three times. It is read once.
    """
    seen: set[Path] = set()
    files = []
    for path in paths:
        real = path.resolve()
        if path.is_file() and real not in seen:
            seen.add(real)
            files.append(path)
    return files


@dataclass
class FileSource(Source):
    """One or more JSONL/Parquet files, loaded in sorted order within one batch."""

    name: str
    files: list[Path]

    @classmethod
    def from_pattern(cls, pattern: str) -> FileSource:
        """Expand a path or glob; every match must be a .jsonl/.ndjson or .parquet file."""
        if glob.has_magic(pattern):
            matches = sorted(glob.glob(pattern, recursive=True))
        else:
            matches = [pattern]
        files = _distinct_files(Path(m) for m in matches)
        if not files:
            raise RunnerError(
                f"source {pattern} matches no files",
                "check the path or glob (quote globs so the shell does not expand them)",
            )
        for file in files:
            if not file.name.lower().endswith(JSONL_SUFFIXES + PARQUET_SUFFIXES):
                raise RunnerError(
                    f"source file {file} is neither .jsonl nor .parquet",
                    "name JSON-lines files *.jsonl (or *.ndjson) and Parquet files *.parquet",
                )
        return cls(name=pattern, files=files)

    def load(self, con: duckdb.DuckDBPyConnection, batch_id: str) -> ReadCounts:
        counts = ReadCounts()
        for file in self.files:
            counts.add(self._load_file(con, file, batch_id))
        return counts

    def _load_file(self, con: duckdb.DuckDBPyConnection, file: Path, batch_id: str) -> ReadCounts:
        """Insert every record of ``file``, count them, then drop the copies of stored ones.

        A JSONL file is read in pieces by :func:`_line_pieces` (parallel in DuckDB); one
        with CR or NUL bytes, and a Parquet file, through read_csv / read_parquet. Reading
        once and deduplicating afterwards (conform.count_and_drop_copies) costs less than
        counting the source and anti-joining it against every stored record while reading.
        """
        path = str(file.resolve())
        is_parquet = file.name.lower().endswith(PARQUET_SUFFIXES)
        self._check_format(file, is_parquet)
        try:
            if is_parquet or not self._insert_pieces(con, file, path, batch_id):
                lines = _parquet_lines(con, path) if is_parquet else _jsonl_lines(path)
                insert_all(con, _records_from_lines(lines, path), batch_id)
            return ReadCounts(*count_and_drop_copies(con, batch_id, path))
        except duckdb.Error as exc:
            kind = "Parquet" if is_parquet else "JSON lines (UTF-8 text)"
            reason = str(exc).strip().splitlines()[0]
            raise RunnerError(
                f"cannot read source file {file}: {reason}",
                f"check that it is {kind}; nothing was loaded",
            ) from exc

    @staticmethod
    def _insert_pieces(
        con: duckdb.DuckDBPyConnection, file: Path, path: str, batch_id: str
    ) -> bool:
        """Insert a JSONL file in one statement; False (nothing kept) when it needs read_csv.

        DuckDB scans the pieces as one Arrow stream, its threads taking batches in turn.
        One statement over the whole file took 36 s for 10.6M events where one statement
        per piece took 63 s (docs/ingest.md). A piece with CR or NUL bytes ends the stream
        early instead of failing the statement, which would abort the transaction: the
        rows already inserted are then deleted and the file is read again by read_csv.
        """
        needs_csv_reader = False
        failure: Exception | None = None

        def batches() -> Iterator[pa.RecordBatch]:
            nonlocal needs_csv_reader, failure
            try:
                for piece in _read_ahead(_line_pieces(file)):
                    yield from piece.to_batches()
            except _NeedsCsvReader:
                needs_csv_reader = True
            except Exception as exc:  # reaches DuckDB as text only: kept to raise as is
                failure = exc
                raise

        # Scanned by name from this frame (DuckDB's replacement scan) and consumed once.
        ingest_lines = pa.RecordBatchReader.from_batches(LINES_SCHEMA, batches())
        sql = insert_all_sql(_records_from_lines("select * from ingest_lines", path))
        try:
            con.execute(sql, [batch_id])
        except duckdb.Error:
            if failure is not None:
                raise failure from None
            raise
        finally:
            del ingest_lines
        if needs_csv_reader:
            delete_file_rows(con, batch_id, path)
            return False
        return True

    @staticmethod
    def _check_format(file: Path, is_parquet: bool) -> None:
        """Refuse binaries before DuckDB reads them: a clear message, nothing written."""
        if is_parquet and not _looks_like_parquet(file):
            raise RunnerError(
                f"source file {file} is not a Parquet file (no PAR1 magic bytes)",
                "check the file; only .parquet files written by a Parquet writer can be read",
            )
        if not is_parquet and file.stat().st_size and not _looks_like_text(file):
            raise RunnerError(
                f"source file {file} is not JSON lines: it starts with binary data",
                "check the file; a .jsonl source must be UTF-8 text with one JSON object a line",
            )
