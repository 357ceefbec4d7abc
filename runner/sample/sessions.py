"""Session planning and the event stream: when each session starts, how many calls it
makes and in which project (``plan_sessions``), its events in time order, its calls
permuted when the order is destroyed, the planted occurrences counted as the models
count them, and all sessions merged by time (``merged_events``)."""

from __future__ import annotations

import heapq
import math
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from runner.sample.calls import Call, Session, noise_burst, noise_call
from runner.sample.options import SampleOptions
from runner.sample.timestamps import DAY, HOUR, MINUTE, MS, SECOND
from runner.sample.vocabulary import PROMPTS, Picker, cached_project
from runner.sample.workflows import PLANTED_RECIPES, PLANTED_WORKFLOWS

# Calls per session in real weeks: p10 3, median 20-43, p90 97-203, longest 560-1,544.
SESSION_CALLS_MEDIAN = 36  # lognormal number of tool calls per session …
SESSION_CALLS_SIGMA = 1.3
TINY_SESSION_SHARE = 0.15  # … and sessions of 1-4 calls (a question, a quick look)
SESSION_CALLS_MAX = 4_000  # below the models' step cap (5,000 per segment)
LONG_SESSION_MIN_SESSIONS = 20  # from this many sessions on, session 0 is the long one
LONG_SESSION_CALLS = (1_100, 1_500)
DAY_WEIGHT_SIGMA = 0.5  # sessions per day are uneven (3, 11, 45, 18, 7, 18 in one team)
DAY_WEIGHT_RANGE = (0.4, 2.5)
SESSIONS_PER_PROJECT = 3.5  # mean; a few projects have many sessions, most a few
TURN_CALLS_MEAN = 8.0  # calls between a prompt and Stop
# Gaps between calls in real weeks: median 2.7 s, p90 15 s, p99 about 9 minutes.
GAP_MEDIAN_US = 2_400 * MS
GAP_SIGMA = 0.9
TURN_GAP_MEDIAN_US = 6 * SECOND  # the user reads the answer and types the next prompt
RUN_GAP_MEDIAN_US = 900 * MS  # between the calls of one run (Read, Read, Read)
PAUSE_PER_CALL = 0.012  # the agent waits on something or the user looks elsewhere
PAUSE_US = (2 * MINUTE, 18 * MINUTE)
#: The models' default segment gap (hook_patterns_segment_gap_minutes): the summary
#: counts occurrences inside segments as the models cut them.
SEGMENT_GAP_US = 30 * MINUTE
LONG_GAP_PER_TURN = 0.015  # chance that the user leaves for hours before a prompt
LONG_GAP_US = (75 * MINUTE, 9 * HOUR)
FORCED_GAP_US = (75 * MINUTE, 4 * HOUR)  # the planned pause of the special sessions
PLANT_PER_BLOCK = 0.12  # chance that the next block of calls is a planted workflow
DROP_PRE = 0.006  # a Post without its Pre
DROP_POST = 0.006  # a Pre without its Post


@dataclass(frozen=True)
class _Plan:
    order: int
    session_id: str
    seed: int
    start_us: int
    n_calls: int
    turn_mean: float
    forced_gap_turn: int  # -1: none
    random_gaps: bool
    project: int


@dataclass
class StreamStats:
    tool_calls: int = 0
    longest: int = 0
    planted: Counter[str] = field(default_factory=Counter)


# An event: (timestamp µs, event type, session, call or None, extra fields or None, 64 random bits)
Event = tuple[int, str, Session, "Call | None", "dict[str, Any] | None", int]


def _session_calls(master: random.Random) -> int:
    if master.random() < TINY_SESSION_SHARE:
        return master.randint(1, 4)
    n_calls = int(SESSION_CALLS_MEDIAN * math.exp(SESSION_CALLS_SIGMA * master.gauss(0.0, 1.0)))
    return min(SESSION_CALLS_MAX, max(1, n_calls))


def plan_sessions(options: SampleOptions, window_start_us: int) -> list[_Plan]:
    master = random.Random(options.seed)
    lo_w, hi_w = DAY_WEIGHT_RANGE
    day_picker = Picker(
        [
            (min(hi_w, max(lo_w, master.lognormvariate(0.0, DAY_WEIGHT_SIGMA))), day)
            for day in range(options.days)
        ]
    )
    projects = max(1, round(options.sessions / SESSIONS_PER_PROJECT))
    plans = []
    for i in range(options.sessions):
        session_id = f"{master.getrandbits(128):032x}"
        session_id = (
            f"{session_id[:8]}-{session_id[8:12]}-4{session_id[13:16]}-"
            f"{'89ab'[int(session_id[16], 16) & 3]}{session_id[17:20]}-{session_id[20:]}"
        )
        seed = master.getrandbits(64)
        n_calls = _session_calls(master)
        day = day_picker.pick(master)
        if master.random() < 0.75:  # working hours, spread around early afternoon UTC
            tod = min(DAY - 1, max(0, int(master.gauss(13.5, 3.5) * HOUR)))
        else:
            tod = int(master.random() * DAY)
        extra = master.random()  # for the special sessions below
        # Sessions share projects unevenly: low indexes are the busy projects.
        project = int(projects * master.random() ** 1.6)
        turn_mean, forced_gap, random_gaps = TURN_CALLS_MEAN, -1, True
        if i == 0 and options.sessions >= LONG_SESSION_MIN_SESSIONS:
            # An autonomous run: long turns, one pause of hours, no random long gaps.
            day, tod = 0, int((3 + 2 * extra) * HOUR)
            lo, hi = LONG_SESSION_CALLS
            n_calls = lo + int(extra * (hi - lo))
            turn_mean, forced_gap, random_gaps = 40.0, 3, False
        elif i == 1 and options.days >= 2:
            # Starts late in the evening and pauses for hours: crosses midnight.
            day = int(extra * (options.days - 1))
            tod = int((22.5 + extra) * HOUR)
            n_calls, forced_gap = max(n_calls, 40), 1
        elif i == 2:
            n_calls, forced_gap = max(n_calls, 30), 1
        plans.append(
            _Plan(
                i,
                session_id,
                seed,
                window_start_us + day * DAY + tod,
                n_calls,
                turn_mean,
                forced_gap,
                random_gaps,
                project,
            )
        )
    plans.sort(key=lambda p: (p.start_us, p.order))
    return plans


def _session_events(plan: _Plan, end_us: int, options: SampleOptions) -> Iterator[Event]:
    """One session's events in time order, stopping at the end of the window."""
    rng = random.Random(plan.seed)
    sess = Session(plan.session_id, rng, cached_project(options.seed, plan.project))
    bits = rng.getrandbits
    t = plan.start_us
    yield (t, "SessionStart", sess, None, {"source": "startup"}, bits(64))
    t += rng.randint(2_000, 40_000) * MS  # typing the first prompt
    remaining = plan.n_calls
    turn = 0
    since_compact = 0
    compact_at = rng.randint(150, 400)
    prev_sig = ""
    after_planted = False
    while remaining > 0:
        if turn:
            if turn == plan.forced_gap_turn:
                t += rng.randint(*FORCED_GAP_US)
            elif plan.random_gaps and rng.random() < LONG_GAP_PER_TURN:
                t += rng.randint(*LONG_GAP_US)
                if rng.random() < 0.4:
                    if t >= end_us:
                        return
                    yield (t, "SessionStart", sess, None, {"source": "resume"}, bits(64))
                    t += rng.randint(2, 30) * SECOND
            else:
                t += min(20 * MINUTE, int(TURN_GAP_MEDIAN_US * math.exp(rng.gauss(0.0, 1.1))))
        if t >= end_us:
            return
        prompt = PROMPTS[int(rng.random() * len(PROMPTS))].format(
            file=rng.choice(sess.project.files), test=rng.choice(sess.project.tests)
        )
        yield (t, "UserPromptSubmit", sess, None, {"prompt": prompt}, bits(64))
        t += int(1.5 * SECOND * math.exp(0.6 * rng.gauss(0.0, 1.0)))
        target = min(remaining, 1 + int(rng.expovariate(1.0 / plan.turn_mean)))
        if turn < plan.forced_gap_turn:  # leave calls for after the planned pause
            target = max(1, min(target, remaining - 1))
        done = 0
        while done < target:
            calls: Sequence[Call]
            in_run = False  # a noise burst: its calls follow each other quickly
            if not options.noise_only and rng.random() < PLANT_PER_BLOCK:
                workflow, makers = PLANTED_RECIPES[int(rng.random() * len(PLANTED_RECIPES))]
                if workflow.steps[0] == prev_sig:  # would merge with the step before
                    calls = (noise_call(rng, sess),)
                    after_planted = False
                else:
                    shared: dict[str, str] = {}
                    calls = [make(rng, sess, shared) for make in makers]
                    after_planted = True
            else:
                calls = noise_burst(rng, sess)
                if after_planted:  # keep the planted workflow's last step distinct
                    for _ in range(3):
                        if calls[0].signature != prev_sig:
                            break
                        calls = noise_burst(rng, sess)
                after_planted = False
                in_run = True
            for i, call in enumerate(calls):
                if i and in_run:
                    t += max(50 * MS, int(RUN_GAP_MEDIAN_US * math.exp(0.8 * rng.gauss(0.0, 1.0))))
                elif done or i:
                    t += max(
                        150 * MS, int(GAP_MEDIAN_US * math.exp(GAP_SIGMA * rng.gauss(0.0, 1.0)))
                    )
                    if rng.random() < PAUSE_PER_CALL:
                        t += rng.randint(*PAUSE_US)
                drop = rng.random()
                call.tool_use_id = f"toolu_01{bits(88):022x}"
                if t >= end_us:
                    return
                if drop >= DROP_PRE:
                    yield (t, "PreToolUse", sess, call, None, bits(64))
                if call.tool == "Bash" and rng.random() < 0.03:
                    t += rng.randint(20, 400) * MS
                    if t >= end_us:
                        return
                    yield (
                        t,
                        "Notification",
                        sess,
                        None,
                        {"message": "Claude needs your permission to use Bash"},
                        bits(64),
                    )
                    t += int(rng.uniform(2, 90) * SECOND)
                t += call.duration_ms * MS
                if call.tool == "Task":
                    if t >= end_us:
                        return
                    yield (t, "SubagentStop", sess, None, {"stop_hook_active": False}, bits(64))
                    t += rng.randint(5, 300) * MS
                if t >= end_us:
                    return
                if drop < DROP_PRE or drop >= DROP_PRE + DROP_POST:
                    yield (t, "PostToolUse", sess, call, None, bits(64))
                prev_sig = call.signature
            done += len(calls)
        remaining -= done
        since_compact += done
        t += rng.randint(300, 4000) * MS
        if t >= end_us:
            return
        yield (t, "Stop", sess, None, {"stop_hook_active": False, "prompt": prompt}, bits(64))
        if rng.random() < 0.1:
            t += 60 * SECOND
            if t >= end_us:
                return
            yield (
                t,
                "Notification",
                sess,
                None,
                {"message": "Claude is waiting for your input"},
                bits(64),
            )
        if since_compact >= compact_at:
            t += rng.randint(1, 5) * SECOND
            if t >= end_us:
                return
            yield (
                t,
                "PreCompact",
                sess,
                None,
                {"trigger": "auto", "custom_instructions": ""},
                bits(64),
            )
            t += rng.randint(20, 90) * SECOND
            if t >= end_us:
                return
            yield (t, "SessionStart", sess, None, {"source": "compact"}, bits(64))
            since_compact, compact_at = 0, rng.randint(150, 400)
        turn += 1
    if rng.random() < 0.85:
        t += rng.randint(2, 600) * SECOND
        if t < end_us:
            yield (
                t,
                "SessionEnd",
                sess,
                None,
                {"reason": rng.choice(("prompt_input_exit", "clear", "logout", "other"))},
                bits(64),
            )


def _destroy_order(events: list[Event], seed: int) -> None:
    """Permute the tool calls of one session's events in place (see ``destroy_order``).

    A call's content (tool, input, result, tool_use_id) moves into another call's time
    slot; both halves of a call move together, so pairs stay pairs. Calls are permuted
    among slots of their own kind (both halves, Pre only, Post only), so every
    timestamp stays where it was. Other events are not touched.
    """
    halves: dict[int, list[int]] = {}
    for i, ev in enumerate(events):
        if ev[3] is not None:
            halves.setdefault(id(ev[3]), []).append(i)
    kinds: dict[tuple[str, ...], list[list[int]]] = {}
    for positions in halves.values():
        kinds.setdefault(tuple(events[i][1] for i in positions), []).append(positions)
    rng = random.Random(seed)
    for slots in kinds.values():
        contents = [events[positions[0]][3] for positions in slots]
        rng.shuffle(contents)
        for positions, call in zip(slots, contents, strict=True):
            for i in positions:
                ts, etype, sess, _old, extra, bits = events[i]
                events[i] = (ts, etype, sess, call, extra, bits)


def _counted_session(
    plan: _Plan, end_us: int, options: SampleOptions, stats: StreamStats
) -> Iterator[Event]:
    """A session's events, order destroyed if asked, counted as the models will count.

    Counts the tool calls and, per planted workflow, its contiguous occurrences in the
    session's steps as ``int_tool_steps_sequenced`` cuts them (segments split after
    ``SEGMENT_GAP_US`` of inactivity, consecutive equal signatures collapsed): planted
    ones and those that noise or a shuffle happens to form. Those are the exact counts a
    build with the default vars finds.
    """
    events: Iterator[Event] = _session_events(plan, end_us, options)
    if options.noise_only or options.destroy_order:
        # noise_only: the session's composition without its order (no runs, no
        # alternations, no workflow but by chance). The session is held in memory.
        buffered = list(events)
        _destroy_order(buffered, plan.seed ^ 0x5EED_0F_0DE7)
        events = iter(buffered)
    watched = [] if options.noise_only else [wf.steps for wf in PLANTED_WORKFLOWS]
    post_has_input = options.shape == "claude"  # Claude Code's Post repeats tool_input
    steps: list[str] = []
    last_active = -1
    last_pre: Call | None = None
    calls = 0
    try:
        for ev in events:
            call = ev[3]
            if call is not None:
                ts = ev[0]
                if ev[1] == "PreToolUse" or call is not last_pre:  # a new call starts
                    calls += 1
                    if last_active >= 0 and ts > last_active + SEGMENT_GAP_US:
                        steps.clear()
                    sig = call.signature
                    if ev[1] == "PostToolUse" and not post_has_input:
                        sig = call.tool  # a Post alone: no command to name (``Bash``)
                    if not steps or steps[-1] != sig:
                        steps.append(sig)
                        if len(steps) > 8:
                            del steps[:-5]
                        for wf_steps in watched:
                            n = len(wf_steps)
                            if len(steps) >= n and tuple(steps[-n:]) == wf_steps:
                                stats.planted["→".join(wf_steps)] += 1
                last_pre = call if ev[1] == "PreToolUse" else None
                last_active = max(last_active, ts)
            yield ev
    finally:
        stats.tool_calls += calls
        stats.longest = max(stats.longest, calls)


def merged_events(
    plans: list[_Plan], end_us: int, options: SampleOptions, stats: StreamStats
) -> Iterator[Event]:
    """All sessions' events in time order: a heap over the sessions in progress."""
    heap: list[tuple[int, int, Event, Iterator[Event]]] = []
    i, n = 0, len(plans)
    while i < n or heap:
        if i < n and (not heap or plans[i].start_us <= heap[0][0]):
            plan = plans[i]
            i += 1
            gen = _counted_session(plan, end_us, options, stats)
            first = next(gen, None)
            if first is not None:
                heapq.heappush(heap, (first[0], plan.order, first, gen))
            continue
        _, order, event, gen = heap[0]
        yield event
        nxt = next(gen, None)
        if nxt is None:
            heapq.heappop(heap)
        else:
            heapq.heapreplace(heap, (nxt[0], order, nxt, gen))
