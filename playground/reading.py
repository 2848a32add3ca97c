"""A run read aloud: what held its requests up, in plain words, from what the lab sampled.

`read_run` looks at the lanes (`playground/lab/sampler.py`), the requests' stamps and the lab's
pool sizes, and says what it sees with the measured figures: a blocked event loop, a full pool,
a CPU at its limit, requests slow to be read. Every threshold is a constant below, with the
reason for its value; every number in a sentence is measured or read from the lab, never typed.
A pure function over plain data: the run's end stores its reading with the summary.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from playground.lab.info import LabInfo
from playground.lab.sampler import GAUGE_INTERVAL_S, SEND_INTERVAL_S
from playground.lane_display import by_moment
from playground.load.base import LoadArrival
from playground.schemas import LaneSample, Reading, RequestRow, Summary
from playground.stats import handler_intervals, max_overlap, percentile
from playground.verdict import CPU_WAIT_SHARE

__all__ = [
    "CPU_BUSY_SHARE",
    "LAG_MAX_MS",
    "LAG_MEDIAN_MS",
    "MIN_FULL_S",
    "SLOW_READ_MS",
    "loop_waited",
    "read_run",
]

LAG_MEDIAN_MS = 10.0
LAG_MAX_MS = 100.0
"""A loop is flagged when its lag's median reaches `LAG_MEDIAN_MS` or its longest stall
`LAG_MAX_MS`, as clinic.js doctor does (`analysis/analyse-delay.js`): a loop 10 ms late cannot
take a connection for 10 ms, and a single stall of 100 ms is felt by every request behind it."""
CPU_BUSY_SHARE = 0.9
"""CPU is at its limit when its 90th percentile reaches 90% of a core (or of every core), as
clinic.js doctor judges a CPU busy (`analysis/analyse-cpu.js`): a sampled percentage jitters
below the true 100%, and the top tenth of samples may be start-up or tail."""
WAIT_EXPLAINS_LAG = 0.5
"""A flagged loop is said to be waiting for a core, not busy, when at least half of the time
it was late it was ready to run but had no core: the kernel counted that half as a wait."""
MIN_FULL_S = 5 * GAUGE_INTERVAL_S
"""A pool counts as full once every slot was taken for this long: five gauge reads in a row.
A single read at the ceiling is a moment's coincidence, not a queue."""
SLOW_READ_MS = LAG_MEDIAN_MS
"""Requests are slow to be read when sent → arrived averages what clinic.js calls a bad loop
delay: on loopback a free loop accepts and reads a request in well under a millisecond."""
QUEUE_WORTH_NAMING_MS = 1.0
"""Below this, arrived → began is routing and a thread hop, not a queue: left unsaid."""
MAX_STEP_S = 2 * SEND_INTERVAL_S
"""A gauge reading holds until the next one, but no longer than this: a gap in the samples is
the sampler idle, not the pool full. While the loop is blocked the gauges come only with each
datagram, every `SEND_INTERVAL_S`."""


@dataclass(frozen=True)
class _Loop:
    median_ms: float
    longest_ms: float
    blocked_s: float

    @property
    def flagged(self) -> bool:
        return self.median_ms >= LAG_MEDIAN_MS or self.longest_ms >= LAG_MAX_MS


def _by_process(samples: Iterable[LaneSample], until_s: float) -> dict[int, list[LaneSample]]:
    """A lane's samples taken during the run, grouped by the lab process that took them."""
    groups: dict[int, list[LaneSample]] = {}
    for sample in samples:
        if sample["at_s"] <= until_s:
            groups.setdefault(int(sample["pid"]), []).append(sample)
    for group in groups.values():
        group.sort(key=lambda sample: sample["at_s"])
    return groups


def _loop(lanes: Mapping[str, Sequence[LaneSample]], until_s: float) -> _Loop | None:
    """The worst worker's loop: the one blocked longest. A lag sample is how late a timer
    fired, so the samples' sum is the time the loop could run nothing else."""
    worst: _Loop | None = None
    # A lag sample is stamped when its stall ended, often after the response it held: the run's
    # stalls are those that began before its last response.
    began = [s for s in lanes.get("loop_lag_ms", ()) if s["at_s"] - s["value"] / 1000 < until_s]
    for group in _by_process(began, float("inf")).values():
        lags = [sample["value"] for sample in group]
        loop = _Loop(statistics.median(lags), max(lags), sum(lags) / 1000)
        if worst is None or loop.blocked_s > worst.blocked_s:
            worst = loop
    return worst


def _time_at(group: Sequence[LaneSample], at_least: Callable[[float], bool]) -> float:
    """Seconds during which a gauge read `at_least` true, each reading held until the next."""
    total = 0.0
    for sample, following in itertools.pairwise(group):
        if at_least(sample["value"]):
            total += min(following["at_s"] - sample["at_s"], MAX_STEP_S)
    return total


def _full_s(samples: Iterable[LaneSample], ceiling: int, until_s: float) -> float:
    """The longest any process had every one of its `ceiling` slots taken, in seconds."""
    groups = _by_process(samples, until_s).values()
    return max((_time_at(group, lambda value: value >= ceiling) for group in groups), default=0.0)


def _peak(samples: Iterable[LaneSample], until_s: float) -> float:
    return max((s["value"] for g in _by_process(samples, until_s).values() for s in g), default=0.0)


def _p90(samples: Iterable[LaneSample], until_s: float) -> float | None:
    """The CPU's 90th percentile in its busiest process, as clinic.js doctor reads a CPU:
    between its samples, never past the highest of a short run's few."""
    groups = _by_process(samples, until_s).values()
    return max((percentile([s["value"] for s in g], 90) for g in groups), default=None)


def _wanted(lanes: Mapping[str, Sequence[LaneSample]]) -> list[LaneSample]:
    """CPU the lab used plus what its loop waited for, reading by reading (both are taken
    together, at the same moment): what it would have used with a core to itself."""
    waits = by_moment(lanes.get("cpu_wait_percent", ()))
    return [
        LaneSample(
            at_s=s["at_s"], value=s["value"] + waits.get((s["pid"], s["at_s"]), 0.0), pid=s["pid"]
        )
        for s in lanes.get("cpu_percent", ())
    ]


def _until_s(rows: Sequence[RequestRow], lanes: Mapping[str, Sequence[LaneSample]]) -> float:
    """When the run's last response came (or, with none, its last sample): what is read."""
    ends = [row["received_s"] for row in rows if row["received_s"] is not None]
    return max(ends, default=max(s["at_s"] for lane in lanes.values() for s in lane))


def loop_waited(rows: Sequence[RequestRow], lanes: Mapping[str, Sequence[LaneSample]]) -> float:
    """The share of the run the lab's event loop waited for a core, in the process that waited
    most (each sample is the share of the moment before it); 0 with no lanes."""
    if not lanes.get("cpu_wait_percent"):
        return 0.0
    groups = _by_process(lanes["cpu_wait_percent"], _until_s(rows, lanes)).values()
    return max((statistics.fmean(s["value"] for s in g) / 100 for g in groups if g), default=0.0)


def _one_at_a_time(rows: Sequence[RequestRow]) -> bool:
    """Several requests, and no two in the handler at once in any lab process: the mark of
    a handler that keeps its event loop to itself."""
    by_pid: dict[int | None, list[RequestRow]] = {}
    for row in rows:
        by_pid.setdefault(row["pid"], []).append(row)
    overlaps = [max_overlap(handler_intervals(group)) for group in by_pid.values()]
    return len(rows) > 1 and max(overlaps, default=0) == 1


def _mean_ms(spans: Iterable[tuple[float | None, float | None]]) -> float | None:
    """The mean of `end - start` in ms, over the spans with both ends stamped."""
    gaps = [(end - start) * 1000 for start, end in spans if start is not None and end is not None]
    return sum(gaps) / len(gaps) if gaps else None


def _ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


def _s(value: float) -> str:
    return f"{value:,.0f} s" if value >= 10 else f"{value:.1f} s"


def _share(part: float, whole: float) -> str:
    return f"{min(100.0, 100 * part / whole):.0f}%" if whole > 0 else "all"


def _plural(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def _pool(
    kind: str,
    samples: Sequence[LaneSample],
    ceiling: int,
    until_s: float,
    what: str,
    then: str,
    pool: str,
) -> Reading | None:
    full = _full_s(samples, ceiling, until_s)
    if ceiling <= 0 or full < MIN_FULL_S:
        return None
    every = {1: "The only", 2: "Both"}.get(ceiling, f"All {ceiling:,}")
    return Reading(
        lane=kind,
        alarm=True,
        text=f"{every} {what} busy for {_s(full)}: {then}.",
        headline=f"{pool} full {_s(full)}",
    )


def _what_was_read(requests: int, arrival: LoadArrival | None) -> str:
    """What the lab accepted and read, as the load opened its connections."""
    if arrival is not None and arrival.kept_alive:
        return f"read {_plural(requests, 'request', 'requests')} on connections already open"
    if arrival is None or arrival.connection_per_request:
        return f"accept and read {_plural(requests, 'new connection', 'new connections')}"
    return "accept the clients' connections and read their requests"


def read_run(
    rows: Sequence[RequestRow],
    lanes: Mapping[str, Sequence[LaneSample]],
    lab: LabInfo | None,
    summary: Summary,
    arrival: LoadArrival | None = None,
) -> list[Reading]:
    """What held the run's requests up, one sentence per finding, the alarms first; a run
    with nothing to report gets one quiet sentence with its figures; a run with no lanes
    (the lab sampled nothing) gets none. `arrival`: the run's load, which says how its
    connections were opened (unknown: a burst's, each request on a new one)."""
    if not any(lanes.values()):
        return []
    until_s = _until_s(rows, lanes)
    run_s = summary["makespan_s"]
    answered = [row for row in rows if row["error"] is None]
    readings: list[Reading] = []

    loop = _loop(lanes, until_s)
    threads = _peak(lanes.get("threadpool_busy", ()), until_s) + _peak(
        lanes.get("executor_busy", ()), until_s
    )
    cpu = _p90(lanes.get("cpu_percent", ()), until_s)
    cores = lab.cores if lab is not None else 1
    cpu_bound = cpu is not None and cpu >= 100 * CPU_BUSY_SHARE
    # What the loop is doing is told by the CPU it wanted: a loop computing on a crowded core
    # uses a third of it, and would otherwise read as a loop waiting on something.
    wanted = _p90(_wanted(lanes), until_s)
    wanted_bound = wanted is not None and wanted >= 100 * CPU_BUSY_SHARE
    waited_s = loop_waited(rows, lanes) * run_s
    whose = (
        "the lab's own processes had every core"
        if cpu is not None and cpu >= 100 * CPU_BUSY_SHARE * cores
        else "other programs on this machine had the cores"
    )
    waited = _share(waited_s, run_s)
    waiting_told = False

    if loop is not None and loop.flagged:
        # The lab's own work first, told by the CPU it wanted: the wait, if any, is then a
        # finding of its own.
        if wanted_bound and threads > 0:
            why = "threads running Python code held the GIL the loop needs to run"
        elif _one_at_a_time(rows) and wanted_bound:
            why = "CPU work inside `async def`: the loop runs nothing else until it returns"
        elif waited_s >= WAIT_EXPLAINS_LAG * loop.blocked_s:
            why = (
                f"its thread was ready to run but waited for a core for {waited} of the run: "
                + whose
            )
            waiting_told = True
        elif _one_at_a_time(rows) and threads == 0:
            why = "a blocking call inside `async def`: it waits without letting the loop run"
        else:
            why = (
                f"the loop's own work, accepting {_plural(len(rows), 'connection', 'connections')}"
                ", reading requests and starting handlers, kept it busy"
            )
        blocked = _share(loop.blocked_s, run_s)
        readings.append(
            Reading(
                lane="loop_lag_ms",
                alarm=True,
                text=f"The event loop was blocked for {blocked} of the run, longest stall "
                f"{_ms(loop.longest_ms)} (median lag {_ms(loop.median_ms)}) — {why}.",
                headline=f"event loop blocked {blocked}",
            )
        )

    if lab is not None:
        queued = _mean_ms((row["arrived_s"], row["began_s"]) for row in answered)
        wait = (
            f", {_ms(queued)} on average between arriving and the handler starting"
            if queued is not None and queued >= QUEUE_WORTH_NAMING_MS
            else ""
        )
        pools = [
            _pool(
                "threadpool_busy",
                lanes.get("threadpool_busy", ()),
                lab.threadpool,
                until_s,
                "threadpool tokens were",
                f"requests queued for a thread{wait}",
                "threadpool",
            ),
            _pool(
                "executor_busy",
                lanes.get("executor_busy", ()),
                lab.default_executor,
                until_s,
                "threads of asyncio's default executor were"
                if lab.default_executor > 1
                else "thread of asyncio's default executor was",
                "offloaded work queued for a thread",
                "default executor",
            ),
            _pool(
                "process_pool_busy",
                lanes.get("process_pool_busy", ()),
                lab.processes,
                until_s,
                "process pool workers were" if lab.processes > 1 else "process pool worker was",
                "work queued for a process",
                "process pool",
            ),
        ]
        readings += [pool for pool in pools if pool is not None]

    if cpu is not None and cpu >= 100 * CPU_BUSY_SHARE * cores and cores > 1:
        readings.append(
            Reading(
                lane="cpu_percent",
                alarm=True,
                text=f"The CPU was at {cpu:.0f}% — all {_plural(cores, 'core', 'cores')} busy: "
                "more processes will not help either; the machine is the limit.",
                headline=f"all {_plural(cores, 'core', 'cores')} busy ({cpu:.0f}%)",
            )
        )
    elif cpu_bound and _peak(lanes.get("process_pool_busy", ()), until_s) == 0:
        readings.append(
            Reading(
                lane="cpu_percent",
                alarm=True,
                text=f"The CPU was at {cpu:.0f}% of one core: the GIL runs one thread of "
                "Python at a time, so more threads will not help, more processes will.",
                headline=f"CPU-bound: {cpu:.0f}% of one core",
            )
        )

    waited_long = run_s > 0 and waited_s >= CPU_WAIT_SHARE * run_s
    if waited_long and not waiting_told:
        readings.append(
            Reading(
                lane="cpu_wait_percent",
                alarm=True,
                text=f"The event loop waited for a core for {waited} of the run: {whose}, and "
                "every time here includes that wait.",
                headline=f"waited for a core {waited}",
            )
        )

    read = _mean_ms((row["sent_s"], row["arrived_s"]) for row in answered)
    if read is not None and read >= SLOW_READ_MS:
        cause = (
            "the loop was too busy to accept them"
            if loop is not None and loop.flagged
            else f"the lab took that long to {_what_was_read(len(rows), arrival)}"
            + (", waiting for a core part of the time" if waited_long else "")
        )
        readings.append(
            Reading(
                lane="connecting",
                alarm=True,
                text=f"Requests waited {_ms(read)} on average to be read (sent → arrived): "
                f"{cause}.",
                headline=f"{_ms(read)} to be read",
            )
        )

    if readings:
        return readings
    figures = []
    if loop is not None:
        figures.append(
            f"the event loop's lag stayed low (median {_ms(loop.median_ms)}, "
            f"longest {_ms(loop.longest_ms)})"
        )
    figures.append("no pool was full")
    if read is not None:
        figures.append(f"requests were read {_ms(read)} after they were sent on average")
    if cpu is not None:
        figures.append(f"the CPU stayed at or under {cpu:.0f}% of a core most of the time")
    listed = f"{', '.join(figures[:-1])} and {figures[-1]}" if len(figures) > 1 else figures[0]
    text = f"Nothing held requests up: {listed}."
    return [Reading(lane="quiet", alarm=False, text=text, headline="nothing held it up")]
