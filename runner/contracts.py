"""The external table contracts (DESIGN.md), stated once for every module."""

from __future__ import annotations

#: Columns of the application's ``hook_events`` table, in the application's order.
HOOK_EVENTS_COLUMNS: tuple[str, ...] = (
    "id",
    "event_id",
    "event_type",
    "source_app",
    "session_id",
    "workflow_id",
    "timestamp",
    "payload",
    "tool_name",
    "chat_history",
    "processed",
    "processed_at",
    "created_at",
)

#: The hook event types the application writes (DESIGN.md); anything else is quarantined.
HOOK_EVENT_TYPES: tuple[str, ...] = (
    "PreToolUse",
    "PostToolUse",
    "UserPromptSubmit",
    "Stop",
    "SubagentStop",
    "PreCompact",
    "SessionStart",
    "SessionEnd",
    "Notification",
)
