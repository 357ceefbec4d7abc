-- The analysis windows the classification mart was built for (one, when it has rows).
with classifications as (
    select * from marts.pattern_classifications
)

select distinct
    classifications.run_date,
    classifications.window_start_at,
    classifications.window_end_at
from classifications
order by classifications.run_date
