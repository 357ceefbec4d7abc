"""The entry point: ``generate_sample`` plans the sessions, streams their events into
rows (with bad rows mixed in), writes the file and says what is in it."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rich.markup import escape

from runner.errors import RunnerError
from runner.sample.options import FORMATS, SHAPES, SampleOptions
from runner.sample.rows import BAD_ROW_KINDS, ClaudeRows, TableRows
from runner.sample.sessions import StreamStats, merged_events, plan_sessions
from runner.sample.timestamps import DAY, EPOCH, EPOCH_ORDINAL
from runner.sample.workflows import PLANTED_WORKFLOWS
from runner.sample.writers import JsonlSink, ParquetSink

BAD_ROW_RATE = 0.008  # bad rows per tool event


@dataclass
class SampleSummary:
    path: Path
    shape: str
    format: str
    events: int  # rows (or lines) written, bad rows included
    sessions: int
    tool_calls: int
    longest_session_calls: int
    planted_workflows: tuple[str, ...]
    planted_occurrences: dict[str, int]  # signature -> occurrences planted
    bad_rows: dict[str, int]  # kind -> rows written
    first_event_at: dt.datetime | None
    last_event_at: dt.datetime | None
    seconds: float = 0.0
    order_destroyed: bool = False

    @property
    def bad_row_count(self) -> int:
        return sum(self.bad_rows.values())

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0

    def describe(self) -> str:
        fmt = "JSONL" if self.format == ".jsonl" else "Parquet"
        lines = [
            f"[bold]wrote {self.events:,} events[/] to {escape(str(self.path))} "
            f"({self.shape} shape, {fmt})",
            f"  sessions {self.sessions:,}, tool calls {self.tool_calls:,}, "
            f"longest session {self.longest_session_calls:,} calls",
        ]
        if self.first_event_at and self.last_event_at:
            lines.append(
                f"  {self.first_event_at:%Y-%m-%d %H:%M} → {self.last_event_at:%Y-%m-%d %H:%M} UTC"
            )
        if self.order_destroyed:
            lines.append(
                "  order destroyed inside sessions: workflows occur by chance only"
                " (occurrences below)"
            )
        if self.planted_workflows:
            lines.append("  planted workflows (occurrences):")
            lines += [
                f"    {escape(sig)}  x{self.planted_occurrences.get(sig, 0):,}"
                for sig in self.planted_workflows
            ]
        else:
            lines.append("  noise only: no planted workflows")
        if self.bad_rows:
            kinds = ", ".join(f"{kind} {n}" for kind, n in self.bad_rows.items())
            lines.append(f"  bad rows: {self.bad_row_count:,} ({kinds})")
        else:
            lines.append("  bad rows: none")
        lines.append(f"  {self.seconds:.1f} s, {self.events_per_second:,.0f} events/s")
        return "\n".join(lines)


def _validate(out_file: Path, options: SampleOptions) -> str:
    suffix = out_file.suffix.lower()
    if suffix not in FORMATS:
        raise RunnerError(
            f"cannot write {out_file}: unknown format {suffix or '(no extension)'}",
            "name the output file *.jsonl or *.parquet",
        )
    if options.shape not in SHAPES:
        raise RunnerError(f"unknown shape {options.shape!r}", "use --shape table or --shape claude")
    if options.sessions < 1 or options.days < 1:
        raise RunnerError("sessions and days must be at least 1")
    return suffix


def generate_sample(out_file: Path, options: SampleOptions) -> SampleSummary:
    """Write the sample to ``out_file`` (.jsonl or .parquet) and say what is in it."""
    started = time.perf_counter()
    fmt = _validate(out_file, options)
    end_date = options.end_date
    if isinstance(end_date, dt.datetime):
        end_date = end_date.date()
    end_us = (end_date.toordinal() + 1 - EPOCH_ORDINAL) * DAY
    start_us = end_us - options.days * DAY

    plans = plan_sessions(options, start_us)
    stats = StreamStats()
    rows: TableRows | ClaudeRows = (
        TableRows(processed_before_us=end_us - DAY) if options.shape == "table" else ClaudeRows()
    )
    kinds = BAD_ROW_KINDS[options.shape]
    bad_rng = random.Random(f"bad-rows:{options.seed}")
    bad_counts: Counter[str] = Counter()

    # Write beside the target and rename at the end: no half-written sample on failure.
    partial = out_file.with_name(f".{out_file.name}.partial")
    try:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        sink: JsonlSink | ParquetSink = (
            JsonlSink(partial)
            if fmt == ".jsonl"
            else ParquetSink(partial, rows.columns, rows.json_columns)
        )
    except OSError as exc:
        raise RunnerError(f"cannot write {out_file}: {exc.strerror or exc}") from exc
    written = 0
    row_id = 0
    injected = 0
    first_us = last_us = None
    try:
        jsonl = fmt == ".jsonl"
        for ev in merged_events(plans, end_us, options, stats):
            row_id += 1
            if jsonl:
                sink.write_line(rows.line(ev, row_id))
            else:
                sink.write(rows.row(ev, row_id))
            written += 1
            if first_us is None:
                first_us = ev[0]
            last_us = ev[0]
            if options.bad_rows and ev[3] is not None and bad_rng.random() < BAD_ROW_RATE:
                kind = kinds[injected % len(kinds)]
                injected += 1
                good = rows.row(ev, row_id)
                row_id += 1
                bad = rows.bad(kind, good, bad_rng, row_id)
                if isinstance(bad, str):
                    if not sink.write_line(bad):
                        continue
                else:
                    sink.write(bad)
                written += 1
                bad_counts[kind] += 1
        sink.close()
        os.replace(partial, out_file)
    except BaseException as exc:
        with contextlib.suppress(Exception):
            sink.close()
        partial.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise RunnerError(f"cannot write {out_file}: {exc.strerror or exc}") from exc
        raise

    def moment(us: int | None) -> dt.datetime | None:
        return None if us is None else EPOCH + dt.timedelta(microseconds=us)

    planted = () if options.noise_only else tuple(wf.signature for wf in PLANTED_WORKFLOWS)
    return SampleSummary(
        path=out_file,
        shape=options.shape,
        format=fmt,
        events=written,
        sessions=len(plans),
        tool_calls=stats.tool_calls,
        longest_session_calls=stats.longest,
        planted_workflows=planted,
        planted_occurrences={sig: stats.planted[sig] for sig in planted},
        bad_rows={kind: bad_counts[kind] for kind in kinds if bad_counts[kind]},
        first_event_at=moment(first_us),
        last_event_at=moment(last_us),
        seconds=time.perf_counter() - started,
        order_destroyed=options.destroy_order,
    )
