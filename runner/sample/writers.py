"""Sinks that write records in chunks, so memory stays bounded: JSONL lines or
Parquet row groups."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from runner.sample.json_text import encode, escape_surrogates

CHUNK_ROWS = 50_000  # rows per Parquet row group
JSONL_CHUNK_LINES = 10_000  # lines per write


class JsonlSink:
    """UTF-8 lines, written in chunks of bytes.

    Lines are encoded one by one: joining them as ``str`` would widen the whole chunk to
    four bytes per character as soon as one line holds an emoji.
    """

    def __init__(self, path: Path) -> None:
        self.file = path.open("wb")
        self.lines: list[bytes] = []

    def write(self, row: dict[str, Any]) -> None:
        self.write_line(escape_surrogates(encode(row)))

    def write_line(self, text: str) -> bool:
        self.lines.append(text.encode())
        if len(self.lines) >= JSONL_CHUNK_LINES:
            self.flush()
        return True

    def flush(self) -> None:
        if self.lines:
            self.lines.append(b"")
            self.file.write(b"\n".join(self.lines))
            self.lines.clear()

    def close(self) -> None:
        self.flush()
        self.file.close()


class ParquetSink:
    """Row groups of ``CHUNK_ROWS`` rows; nested JSON columns stored as JSON text."""

    def __init__(self, path: Path, columns: Sequence[str], json_columns: Sequence[str]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.pa = pa
        types = {"id": pa.int64(), "processed": pa.int64(), "stop_hook_active": pa.bool_()}
        self.schema = pa.schema([(c, types.get(c, pa.string())) for c in columns])
        self.json_columns = frozenset(json_columns)
        self.pending: list[dict[str, Any]] = []
        self.writer = pq.ParquetWriter(str(path), self.schema, compression="zstd")

    def write(self, row: dict[str, Any]) -> None:
        self.pending.append(row)
        if len(self.pending) >= CHUNK_ROWS:
            self.flush()

    def write_line(self, text: str) -> bool:
        return False  # a Parquet file has no lines to break

    def flush(self) -> None:
        if not self.pending:
            return
        arrays = []
        for column in self.schema:
            name, rows = column.name, self.pending
            if name in self.json_columns:
                values = [
                    None if r.get(name) is None else escape_surrogates(encode(r[name]))
                    for r in rows
                ]
            else:
                values = [r.get(name) for r in rows]
            arrays.append(self.pa.array(values, type=column.type))
        self.writer.write_table(self.pa.Table.from_arrays(arrays, schema=self.schema))
        self.pending = []

    def close(self) -> None:
        self.flush()
        self.writer.close()
