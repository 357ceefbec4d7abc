"""The records of the two shapes, ``table`` (the application's hook_events rows) and
``claude`` (Claude Code's hook JSON), and the bad rows staging must quarantine."""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

from runner.contracts import HOOK_EVENTS_COLUMNS
from runner.sample.json_text import encode, encode_str
from runner.sample.sessions import Event
from runner.sample.timestamps import EPOCH, MINUTE, MS, fmt_iso, fmt_ts

#: Columns of the application's hook_events table (DESIGN.md), in order.
TABLE_COLUMNS = HOOK_EVENTS_COLUMNS
#: Columns of the Parquet form of Claude Code's hook JSON (JSONL lines carry only the
#: keys that apply to their event; nested objects become JSON text in Parquet).
CLAUDE_COLUMNS = (
    "session_id",
    "transcript_path",
    "cwd",
    "permission_mode",
    "hook_event_name",
    "tool_name",
    "tool_input",
    "tool_use_id",
    "tool_response",
    "prompt",
    "message",
    "source",
    "reason",
    "trigger",
    "custom_instructions",
    "stop_hook_active",
    "timestamp",
)
CLAUDE_JSON_COLUMNS = ("tool_input", "tool_response")

#: Bad-row kinds per shape, injected in this order, round robin. Named after the
#: staging quarantine reason each should trigger (``unparseable_line`` is a JSONL line
#: that is not JSON at all; Parquet files skip it).
BAD_ROW_KINDS: dict[str, tuple[str, ...]] = {
    "table": (
        "invalid_json",
        "unparseable_line",
        "missing_session_id",
        "unknown_event_type",
        "duplicate_event_id",
        "future_timestamp",
        "missing_tool_name",
        "missing_event_id",
        "unparseable_timestamp",
    ),
    "claude": (
        "unparseable_line",
        "missing_session_id",
        "unknown_event_type",
        "duplicate_event_id",
        "future_timestamp",
        "missing_tool_name",
        "unparseable_timestamp",
    ),
}
UNKNOWN_EVENT_TYPE = "ToolExplode"

_NAME_JSON: dict[str | None, str] = {}


def _name(value: str | None) -> str:
    text = _NAME_JSON.get(value)
    if text is None:
        text = _NAME_JSON[value] = encode(value)
    return text


def _future(text: str) -> str:
    """The same moment in 2099 (a clock gone wrong); 29 February becomes the 28th."""
    text = "2099" + text[4:]
    return text.replace("2099-02-29", "2099-02-28")


def _shift(text: str, delta_us: int) -> str:
    """A timestamp text ``delta_us`` later, in the same format."""
    iso = text.endswith("Z")
    moment = dt.datetime.fromisoformat(text.removesuffix("Z"))
    epoch_us = (moment - EPOCH) // dt.timedelta(microseconds=1) + delta_us
    return fmt_iso(epoch_us) if iso else fmt_ts(epoch_us)


def _truncated(text: str, rng: random.Random) -> str:
    """A strict prefix of a JSON object's text: never valid JSON."""
    return text[: rng.randint(1, max(1, len(text) - 2))]


#: Times that are not times; "epoch" and "-infinity" are words DuckDB's cast reads (as 1970
#: and year 1), which staging must refuse all the same.
_BAD_TIMESTAMPS = (
    "31/02/2025 10:00",
    "yesterday 14:03",
    "2025-13-45 99:99:99",
    "epoch",
    "-infinity",
)


class TableRows:
    """Rows of the application's hook_events table.

    ``line`` writes a row's JSON from pre-encoded fragments (the hot path); ``row`` builds
    the same row as a dict (Parquet, bad rows). ``encode(row(...)) == line(...)``.
    """

    columns = TABLE_COLUMNS
    json_columns: tuple[str, ...] = ()

    def __init__(self, processed_before_us: int) -> None:
        self.processed_before_us = processed_before_us

    @staticmethod
    def _payload(ev: Event) -> tuple[str, str | None]:
        _ts, etype, sess, call, extra, bits = ev
        if call is not None:
            if etype == "PreToolUse":
                return (
                    f'{{"tool_name":{_name(call.tool)},"tool_input":{call.input_json},'
                    f'"session_id":{sess.sid_json},"context":{sess.ctx_json}}}'
                ), None
            return (
                f'{{"tool_name":{_name(call.tool)},"tool_result":{call.result_json},'
                f'"duration_ms":{call.reported_ms},"session_id":{sess.sid_json},'
                f'"success":{"true" if call.success else "false"},"context":{sess.ctx_json}}}'
            ), None
        payload = {**(extra or {}), "session_id": sess.session_id, "context": sess.context}
        chat_history = None
        if etype == "Stop":
            prompt = payload.pop("prompt")
            if bits & 0xFF < 13:  # ~5 %: the app stored the conversation
                chat_history = encode(
                    [{"role": "user", "content": prompt}, {"role": "assistant", "content": "Done."}]
                )
        return encode(payload), chat_history

    def _times(self, ts: int, bits: int) -> tuple[int, str | None, str]:
        processed = 1 if ts < self.processed_before_us else 0
        processed_at = fmt_ts(ts + 5 * MINUTE + (bits >> 20) % MINUTE) if processed else None
        return processed, processed_at, fmt_ts(ts + (bits >> 8) % (40 * MS))

    def row(self, ev: Event, row_id: int) -> dict[str, Any]:
        ts, etype, sess, call, _extra, bits = ev
        payload, chat_history = self._payload(ev)
        processed, processed_at, created_at = self._times(ts, bits)
        return {
            "id": row_id,
            "event_id": f"evt-{bits:016x}",
            "event_type": etype,
            "source_app": sess.source_app,
            "session_id": sess.session_id,
            "workflow_id": sess.workflow_id,
            "timestamp": fmt_ts(ts),
            "payload": payload,
            "tool_name": call.tool if call is not None else None,
            "chat_history": chat_history,
            "processed": processed,
            "processed_at": processed_at,
            "created_at": created_at,
        }

    def line(self, ev: Event, row_id: int) -> str:
        ts, etype, sess, call, _extra, bits = ev
        payload, chat_history = self._payload(ev)
        processed, processed_at, created_at = self._times(ts, bits)
        return (
            f'{{"id":{row_id},"event_id":"evt-{bits:016x}","event_type":{_name(etype)},'
            f'{sess.table_columns_json},"timestamp":"{fmt_ts(ts)}",'
            f'"payload":{encode_str(payload)},'
            f'"tool_name":{_name(call.tool if call is not None else None)},'
            f'"chat_history":{"null" if chat_history is None else encode_str(chat_history)},'
            f'"processed":{processed},'
            f'"processed_at":{"null" if processed_at is None else encode_str(processed_at)},'
            f'"created_at":"{created_at}"}}'
        )

    @staticmethod
    def bad(
        kind: str, good: dict[str, Any], rng: random.Random, row_id: int
    ) -> dict[str, Any] | str:
        row = dict(good, id=row_id, event_id=f"evt-{rng.getrandbits(64):016x}")
        if kind == "invalid_json":
            row["payload"] = _truncated(row["payload"], rng)
        elif kind == "unparseable_line":
            return _truncated(encode(row), rng)
        elif kind == "missing_session_id":
            row["session_id"] = None
            row["payload"] = encode({**json.loads(row["payload"]), "session_id": None})
        elif kind == "unknown_event_type":
            row["event_type"] = UNKNOWN_EVENT_TYPE
            row["tool_name"] = None
            row["payload"] = encode({"session_id": row["session_id"], "detail": "boom"})
        elif kind == "duplicate_event_id":  # the hook fired again, a little later
            row["event_id"] = good["event_id"]
            delay = rng.randint(1, 3_000) * MS
            row["timestamp"] = _shift(good["timestamp"], delay)
            row["created_at"] = _shift(good["created_at"], delay)
        elif kind == "future_timestamp":
            row["timestamp"] = _future(good["timestamp"])
        elif kind == "missing_tool_name":
            row["tool_name"] = ""
            row["payload"] = encode({**json.loads(row["payload"]), "tool_name": ""})
        elif kind == "missing_event_id":
            row["event_id"] = None
        elif kind == "unparseable_timestamp":
            row["timestamp"] = rng.choice(_BAD_TIMESTAMPS)
        return row


class ClaudeRows:
    """Claude Code's own hook stdin JSON, plus the timestamp a logging hook adds."""

    columns = CLAUDE_COLUMNS
    json_columns = CLAUDE_JSON_COLUMNS

    @staticmethod
    def row(ev: Event, row_id: int) -> dict[str, Any]:
        ts, etype, sess, call, extra, _bits = ev
        record: dict[str, Any] = {
            "session_id": sess.session_id,
            "transcript_path": sess.transcript_path,
            "cwd": sess.cwd,
            "permission_mode": sess.permission_mode,
            "hook_event_name": etype,
        }
        if call is not None:
            record["tool_name"] = call.tool
            record["tool_input"] = call.tool_input
            if etype == "PostToolUse":
                record["tool_response"] = call.result
            record["tool_use_id"] = call.tool_use_id
        elif extra:
            record.update(extra)
            if etype == "Stop":
                del record["prompt"]  # the table shape keeps it for chat_history
        record["timestamp"] = fmt_iso(ts)
        return record

    def line(self, ev: Event, row_id: int) -> str:
        ts, etype, sess, call, _extra, _bits = ev
        if call is None:
            return encode(self.row(ev, row_id))
        response = f',"tool_response":{call.result_json}' if etype == "PostToolUse" else ""
        return (
            f'{sess.claude_prefix_json},"hook_event_name":{_name(etype)},'
            f'"tool_name":{_name(call.tool)},"tool_input":{call.input_json}{response},'
            f'"tool_use_id":"{call.tool_use_id}","timestamp":"{fmt_iso(ts)}"}}'
        )

    @staticmethod
    def bad(
        kind: str, good: dict[str, Any], rng: random.Random, row_id: int
    ) -> dict[str, Any] | str:
        row = dict(good)
        if "tool_use_id" in row and kind != "duplicate_event_id":
            # A fresh id, or the derived event id would make every kind a duplicate.
            row["tool_use_id"] = f"toolu_01{rng.getrandbits(88):022x}"
        if kind == "unparseable_line":
            return _truncated(encode(row), rng)
        if kind == "missing_session_id":
            row["session_id"] = None
        elif kind == "unknown_event_type":
            row = {k: row[k] for k in ("session_id", "transcript_path", "cwd", "permission_mode")}
            row["hook_event_name"] = UNKNOWN_EVENT_TYPE
            row["timestamp"] = good["timestamp"]
        elif kind == "duplicate_event_id":  # the hook fired again, a little later
            row["timestamp"] = _shift(good["timestamp"], rng.randint(1, 3_000) * MS)
        elif kind == "future_timestamp":
            row["timestamp"] = _future(good["timestamp"])
        elif kind == "missing_tool_name":
            row["tool_name"] = ""
        elif kind == "unparseable_timestamp":
            row["timestamp"] = rng.choice(_BAD_TIMESTAMPS)
        return row
