-- The day's review queue in numbers, counted on family heads (the rows the sync writes):
-- how many patterns each status holds, and how many pending families were first seen
-- inside the window (new for review).
with classifications as (
    select * from marts.pattern_classifications
    where is_family_head
)

select
    count(*) filter (where classifications.status = 'auto-approved') as auto_approved,
    count(*) filter (where classifications.status = 'pending') as pending,
    count(*) filter (where classifications.status = 'auto-rejected') as auto_rejected,
    count(*) filter (
        where classifications.status = 'pending'
        and classifications.first_seen_at >= classifications.window_start_at
    ) as new_pending
from classifications
