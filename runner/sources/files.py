"""JSON-lines and Parquet files (a path or a glob), read by DuckDB's parallel readers.

A JSONL file is read as LF-terminated lines in pieces (:func:`_line_pieces`), so every
line keeps its exact 1-based number, blank lines included; DuckDB then parses them with
its JSON functions. Every line is accounted for: a line that cannot be decoded (NUL
bytes, invalid UTF-8, longer than :data:`MAX_LINE_BYTES`) or is not a JSON object is still
stored, with ``_load_error`` set and the line's text (decoded with U+FFFD) as payload;
blank lines are counted, not stored. A lone surrogate escape, which DuckDB's JSON reader
refuses, is repaired to ``\ufffd`` (conform.REPAIR_MACRO) and the event kept.
A Parquet row is turned into the same JSON text (``to_json`` of the row), so both formats
share one mapping — including Claude Code's own hook JSON, detected per record.
"""

from __future__ import annotations

import codecs
import glob
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from runner.contracts import HOOK_EVENTS_COLUMNS
from runner.errors import RunnerError
from runner.sources.base import ReadCounts, Source
from runner.sources.conform import (
    count_and_drop_copies,
    count_repaired,
    insert_all,
    insert_all_sql,
)

JSONL_SUFFIXES = (".jsonl", ".ndjson")
PARQUET_SUFFIXES = (".parquet",)
#: An unreadable line is stored as payload up to this many characters.
MAX_UNREADABLE_CHARS = 65_536
#: Longest JSONL line read as an event (bytes, without its line end). A longer line is
#: kept as unreadable (its first MAX_UNREADABLE_CHARS characters, ``_load_error`` set);
#: the reader skips past its rest without holding it. Override with the environment
#: variable RUNNER_MAX_LINE_BYTES.
MAX_LINE_BYTES = int(os.environ.get("RUNNER_MAX_LINE_BYTES") or 16 * 1024 * 1024)
#: How much of a file is sniffed for binary content before DuckDB reads it.
SNIFF_BYTES = 1024
PARQUET_MAGIC = b"PAR1"
UTF8_BOM = b"\xef\xbb\xbf"
#: The one-pass JSONL reader hands DuckDB the file in pieces of about this size (a whole
#: number of lines each), as Arrow tables of this many lines a batch: DuckDB scans the
#: batches in parallel, where read_csv … with ordinality numbers lines on one thread.
PIECE_BYTES = 64 * 1024 * 1024
PIECE_BATCH_LINES = 8192
LINES_SCHEMA = pa.schema(
    [
        ("line", pa.string()),
        ("line_no", pa.int64()),
        # why the reader could not decode the line (its text is then shown with U+FFFD)
        ("read_error", pa.string()),
        # the line holds a \\ud / \\uD escape: the repair of lone surrogates is tried
        ("maybe_broken", pa.bool_()),
    ]
)
#: Lines that may need a repair are kept aside (up to this many bytes) to count the
#: repairs after the insert; beyond it the file's candidate lines are read again.
CANDIDATE_BYTES = 64 * 1024 * 1024

# JSON paths extracted from every record, parsed once per line with json_extract_string.
FIELDS = (*HOOK_EVENTS_COLUMNS, "hook_event_name", "tool_use_id")


#: A line's text without the LF (or CRLF) the piece reader leaves on it (JSON functions
#: read them as whitespace, so only the places that use the text itself strip it, lazily).
TEXT = "rtrim(line, chr(13) || chr(10))"


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
        with lines as (
            -- a line with a \\ud escape gets lone surrogates repaired (conform.REPAIR_MACRO)
            select
                case when src.maybe_broken then ingest_repair_json(src.line)
                     else src.line end as line,
                src.line_no,
                src.read_error,
                coalesce(src.maybe_broken, false) as maybe_broken,
                -- case, not and: DuckDB evaluates both sides of an and on every row
                case when src.maybe_broken then ingest_repair_json(src.line) <> src.line
                     else false end as line_repaired
            from ({lines_sql}) as src
        ),
        checked as (
            select line, line_no, line_repaired, maybe_broken,
                case
                    when read_error is not null then read_error
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
                       when read_error is not null then true
                       else trim(coalesce({TEXT}, '')) <> '' end
        ),
        extracted as (
            select line, line_no, load_error, line_repaired, maybe_broken,
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
            case when load_error is not null then md5({TEXT}) || ':' || line_no end as _hash_extra,
            maybe_broken as _check_repair,
            line_repaired as _line_repaired
        from shaped
    """


def _line_pieces(file: Path) -> Iterator[pa.Table]:
    """The lines of ``file`` as Arrow tables of :data:`LINES_SCHEMA`, numbered from 1.

    LF ends a line (a CR before it is whitespace to JSON and stripped from the text), a
    leading BOM is dropped, blank lines are numbered and filtered later. Each line keeps
    its terminating LF (the last one may have none): the bytes are handed to Arrow as they
    were read, without a copy per line, unless a line of the piece cannot be decoded
    (:func:`_piece_table`). A line longer than :data:`MAX_LINE_BYTES` is read past, not
    held. At most one piece is held at a time.
    """
    line_no = 0
    with file.open("rb") as handle:
        if handle.read(len(UTF8_BOM)) != UTF8_BOM:
            handle.seek(0)
        while data := handle.read(PIECE_BYTES):
            cut = len(data)
            if len(data) == PIECE_BYTES:  # maybe more to come: end on a whole line
                cut = data.rfind(b"\n") + 1
                if cut == 0:  # one line longer than a piece: its head, the rest skipped
                    data = _rest_of_line(handle, data)
                    cut = len(data)
                else:
                    handle.seek(cut - len(data), 1)  # the partial line starts the next piece
            table = _piece_table(data, cut, line_no)
            line_no += table.num_rows
            yield table


def _rest_of_line(handle: BinaryIO, head: bytes) -> bytes:
    """``head`` (a line's start, no LF in it) up to its LF; over the limit, cut and skipped.

    A line longer than :data:`MAX_LINE_BYTES` comes back as its first MAX_LINE_BYTES + 1
    bytes and an LF (long enough to be flagged), and the file is read past its end in
    pieces, so a line of any size costs no more memory than a piece.
    """
    line = head
    if len(line) <= MAX_LINE_BYTES:
        line += handle.readline(MAX_LINE_BYTES + 1 - len(line))
    if line.endswith(b"\n") or len(line) <= MAX_LINE_BYTES:
        return line
    while chunk := handle.readline(PIECE_BYTES):
        if chunk.endswith(b"\n"):
            break
    return line[: MAX_LINE_BYTES + 1] + b"\n"


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


def _piece_table(data: bytes, cut: int, first: int) -> pa.Table:
    """Lines of ``data[:cut]`` (whole lines, LF kept) numbered from ``first + 1``.

    The fast path hands the bytes to Arrow as they are. Lines that cannot be decoded —
    longer than :data:`MAX_LINE_BYTES`, holding a NUL byte, or invalid UTF-8 — get a
    ``read_error`` and are replaced by their text decoded with U+FFFD (at most
    MAX_UNREADABLE_CHARS characters); only then is the piece copied. Found with numpy and
    one Arrow validation per piece; only a piece that fails it is decoded again in Python
    to find the line.
    """
    piece = memoryview(data)[:cut]
    ends = np.flatnonzero(np.frombuffer(piece, np.uint8) == 10) + 1
    if not len(ends) or ends[-1] != len(piece):
        ends = np.append(ends, len(piece))
    offsets = np.concatenate(([0], ends)).astype(np.int64)
    count = len(offsets) - 1
    errors: dict[int, str] = {}
    content = np.diff(offsets) - (np.frombuffer(piece, np.uint8)[offsets[1:] - 1] == 10)
    for index in np.flatnonzero(content > MAX_LINE_BYTES):
        errors[int(index)] = f"unreadable line: longer than {MAX_LINE_BYTES} bytes"
    if data.find(b"\x00", 0, cut) >= 0:
        nul_lines = (
            np.searchsorted(offsets, np.flatnonzero(np.frombuffer(piece, np.uint8) == 0), "right")
            - 1
        )
        for index in np.unique(nul_lines):
            errors.setdefault(int(index), "unreadable line: NUL byte (binary data)")
    lines = _string_array(piece, offsets, count)
    try:
        lines.validate(full=True)
    except pa.ArrowInvalid:
        for bad_line in _invalid_utf8_lines(piece, offsets):
            errors.setdefault(bad_line, "unreadable line: invalid UTF-8")
    read_error = pa.nulls(count, pa.string())
    if errors:
        shown, shown_offsets = _shown_instead(piece, offsets, errors)
        lines = _string_array(shown, shown_offsets, count)
        read_error = pa.array([errors.get(n) for n in range(count)], pa.string())
    # lines holding a \\ud or \\uD escape may need the surrogate repair (conform.REPAIR_MACRO)
    maybe_broken = np.zeros(count, dtype=bool)
    for needle in (b"\\ud", b"\\uD"):  # rare: one bytes.find per occurrence, no pass per line
        found = []
        position = data.find(needle, 0, cut)
        while position >= 0:
            found.append(position)
            position = data.find(needle, position + 1, cut)
        maybe_broken[np.searchsorted(offsets, np.array(found, dtype=np.int64), "right") - 1] = True
    maybe_broken[list(errors)] = False  # an unreadable line is kept as read, not repaired
    numbers = pa.array(np.arange(first + 1, first + count + 1, dtype=np.int64))
    batch = pa.RecordBatch.from_arrays(
        [lines, numbers, read_error, pa.array(maybe_broken)], schema=LINES_SCHEMA
    )
    step = PIECE_BATCH_LINES
    return pa.Table.from_batches(
        [batch.slice(start, step) for start in range(0, count, step)], schema=LINES_SCHEMA
    )


def _string_array(piece: memoryview | bytes, offsets: np.ndarray, count: int) -> pa.Array:
    """The lines as an Arrow string array over ``piece`` (no copy)."""
    return pa.Array.from_buffers(
        pa.string(),
        count,
        [None, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(piece)],
    )


def _invalid_utf8_lines(piece: memoryview, offsets: np.ndarray) -> list[int]:
    """The indexes of the lines of ``piece`` that are not valid UTF-8."""
    bad = []
    start = 0
    while start < len(piece):
        try:
            codecs.utf_8_decode(piece[start:], "strict", True)
            break
        except UnicodeDecodeError as exc:
            index = int(np.searchsorted(offsets, start + exc.start, "right")) - 1
            bad.append(index)
            start = int(offsets[index + 1])
    return bad


def _shown_instead(
    piece: memoryview, offsets: np.ndarray, errors: dict[int, str]
) -> tuple[bytes, np.ndarray]:
    """``piece`` with each line of ``errors`` replaced by its text as shown to operators."""
    parts: list[bytes | memoryview] = []
    lengths = np.diff(offsets)
    previous = 0
    for index in sorted(errors):
        start, end = int(offsets[index]), int(offsets[index + 1])
        raw = bytes(piece[start : min(end, start + 4 * MAX_UNREADABLE_CHARS)])
        text = raw.rstrip(b"\r\n").decode("utf-8", "replace").replace("\x00", "\ufffd")
        shown = text[:MAX_UNREADABLE_CHARS].encode()
        parts += [piece[previous:start], shown]
        lengths[index] = len(shown)
        previous = end
    parts.append(piece[previous:])
    return b"".join(parts), np.concatenate(([0], np.cumsum(lengths)))


def _parquet_lines(con: duckdb.DuckDBPyConnection, path: str) -> str:
    """Each Parquet row as JSON text (as if it were a JSONL line), numbered from 1."""
    described = con.execute(f"describe select * from read_parquet({_sql_string(path)})")
    names = [row[0] for row in described.fetchall()]
    packed = ", ".join(f'{_sql_string(n)}: "{n.replace(chr(34), chr(34) * 2)}"' for n in names)
    return f"""
        select to_json({{{packed}}})::varchar as line, file_row_number + 1 as line_no,
            null::varchar as read_error, false as maybe_broken
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
    unit: str = "lines"

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

        A JSONL file is read in pieces by :func:`_line_pieces` (parallel in DuckDB), a
        Parquet file through read_parquet. Reading once and deduplicating afterwards
        (conform.count_and_drop_copies) costs less than counting the source and
        anti-joining it against every stored record while reading.
        """
        path = str(file.resolve())
        is_parquet = file.name.lower().endswith(PARQUET_SUFFIXES)
        self._check_format(file, is_parquet)
        try:
            if is_parquet:
                insert_all(con, _records_from_lines(_parquet_lines(con, path), path), batch_id)
                records, unreadable = count_and_drop_copies(con, batch_id, path)
                return ReadCounts(records, unreadable, rows_repaired=self._repairs(con, path))
            lines, repaired = self._insert_pieces(con, file, path, batch_id)
            records, unreadable = count_and_drop_copies(con, batch_id, path)
            return ReadCounts(records, unreadable, lines - records, repaired)
        except duckdb.Error as exc:
            kind = "Parquet" if is_parquet else "JSON lines (UTF-8 text)"
            reason = str(exc).strip().splitlines()[0]
            raise RunnerError(
                f"cannot read source file {file}: {reason}",
                f"check that it is {kind}; nothing was loaded",
            ) from exc

    @staticmethod
    def _repairs(con: duckdb.DuckDBPyConnection, path: str) -> int:
        """Repairs in a Parquet file: its rows whose payload holds a \\ud escape, mapped again."""
        lines = f"select * from ({_parquet_lines(con, path)}) where contains(lower(line), '\\ud')"
        return count_repaired(con, _records_from_lines(lines, path))

    @staticmethod
    def _insert_pieces(
        con: duckdb.DuckDBPyConnection, file: Path, path: str, batch_id: str
    ) -> tuple[int, int]:
        """Insert a JSONL file in one statement; return (lines read, events repaired).

        DuckDB scans the pieces as one Arrow stream, its threads taking batches in turn.
        One statement over the whole file took 36 s for 10.6M events where one statement
        per piece took 63 s (docs/ingest.md). The lines that may need a repair (a \\ud
        escape: emoji pairs, and the rare lone surrogate) are kept aside, and mapped
        again after the insert to count the repairs; past CANDIDATE_BYTES they are read
        from the file again instead.
        """
        failure: Exception | None = None
        lines_read = 0
        candidates: list[pa.Table] = []
        candidate_bytes = 0
        reread = False

        def batches() -> Iterator[pa.RecordBatch]:
            nonlocal failure, lines_read, candidate_bytes, reread
            try:
                for piece in _read_ahead(_line_pieces(file)):
                    lines_read += piece.num_rows
                    if not reread and pc.any(piece["maybe_broken"]).as_py():
                        kept = piece.filter(piece["maybe_broken"])
                        candidates.append(kept)
                        candidate_bytes += kept.nbytes
                        if candidate_bytes > CANDIDATE_BYTES:
                            reread = True
                            candidates.clear()
                    yield from piece.to_batches()
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
        if reread:
            candidates = [p.filter(p["maybe_broken"]) for p in _line_pieces(file)]
        if not candidates:
            return lines_read, 0
        con.register("ingest_candidates", pa.concat_tables(candidates))
        try:
            lines = "select * from ingest_candidates"
            return lines_read, count_repaired(con, _records_from_lines(lines, path))
        finally:
            con.unregister("ingest_candidates")

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
