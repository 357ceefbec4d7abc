-- The window is part of all time: its counts can never exceed the all-time counts, and a
-- candidate meets the candidate threshold.
select
    pattern_id,
    window_occurrence_count,
    occurrence_count,
    window_session_count,
    session_count
from {{ ref('pattern_classifications') }}
where window_occurrence_count > occurrence_count
    or window_session_count > session_count
    or window_occurrence_count < {{ var('hook_patterns_min_window_occurrences') }}
    or window_session_count < {{ var('hook_patterns_min_sessions') }}
    or first_seen_at > last_seen_at
    or last_seen_at >= window_end_at
