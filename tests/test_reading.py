"""The reading of a run, as a pure function over synthetic lanes and rows: each finding when
its lane crosses its threshold, with the figures measured, and a quiet run that raises none;
then real runs on a real lab, read as they were stored."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from playground.lab.info import LabInfo
from playground.lab.sampler import GAUGE_INTERVAL_S, LAG_INTERVAL_S, SEND_INTERVAL_S
from playground.load import Burst, LoadArrival, Prediction, Users
from playground.reading import (
    LAG_MAX_MS,
    LAG_MEDIAN_MS,
    MIN_FULL_S,
    SLOW_READ_MS,
    read_run,
)
from playground.run import Run
from playground.runs import summary_of
from playground.schemas import LaneSample, Reading, RequestRow, RunRequest, Summary
from playground.verdict import CPU_WAIT_SHARE
from tests.conftest import Playground, burst

PID = 4242


def lab(threadpool: int = 40, executor: int = 6, processes: int = 2, cores: int = 2) -> LabInfo:
    return LabInfo(
        threadpool=threadpool,
        default_executor=executor,
        cores=cores,
        workers=1,
        processes=processes,
        pid=PID,
    )


def series(values: Iterable[float], every_s: float, start_s: float = 0.0) -> list[LaneSample]:
    return [
        LaneSample(at_s=start_s + n * every_s, value=value, pid=PID)
        for n, value in enumerate(values)
    ]


def gauge(values: Iterable[float]) -> list[LaneSample]:
    return series(values, GAUGE_INTERVAL_S)


def row(
    i: int, sent: float, arrived: float, began: float, ended: float, received: float
) -> RequestRow:
    return RequestRow(
        i=i,
        sent_s=sent,
        arrived_s=arrived,
        began_s=began,
        ended_s=ended,
        received_s=received,
        status_code=200,
        error=None,
        thread="MainThread",
        pid=PID,
        spans=[],
    )


def quick_rows(count: int, run_s: float, read_ms: float = 0.3) -> list[RequestRow]:
    """Requests read at once and handled at once, spread over `run_s`."""
    step = run_s / count
    return [
        row(
            i, i * step, i * step + read_ms / 1000, i * step + 0.001, (i + 1) * step, (i + 1) * step
        )
        for i in range(count)
    ]


def summary(makespan_s: float) -> Summary:
    return Summary(
        requests=10,
        completed=10,
        errors=0,
        makespan_s=makespan_s,
        throughput_rps=10 / makespan_s,
        p50_ms=0.0,
        p95_ms=0.0,
        p99_ms=0.0,
        max_ms=0.0,
        max_in_handler=1,
        bystander_p50_ms=0.0,
        bystander_max_ms=0.0,
        predicted_makespan_s=None,
        predicted_throughput_rps=None,
    )


def quiet_lanes(run_s: float) -> dict[str, list[LaneSample]]:
    ticks = int(run_s / GAUGE_INTERVAL_S)
    return {
        "loop_lag_ms": series([1.0] * int(run_s / LAG_INTERVAL_S), LAG_INTERVAL_S),
        "threadpool_busy": gauge([3] * ticks),
        "executor_busy": gauge([0] * ticks),
        "process_pool_busy": gauge([0] * ticks),
        "cpu_percent": gauge([12.0] * ticks),
        "cpu_wait_percent": waits(0.0, run_s),
    }


def waits(percent: float, run_s: float) -> list[LaneSample]:
    """The loop's wait for a core, as the sampler sends it: a share with each CPU reading."""
    return series([percent] * int(run_s / SEND_INTERVAL_S), SEND_INTERVAL_S, SEND_INTERVAL_S)


def lanes_read(readings: list[Reading]) -> list[str]:
    return [reading["lane"] for reading in readings]


def test_a_quiet_run_raises_no_alarm_and_says_its_figures() -> None:
    readings = read_run(quick_rows(10, 1.0), quiet_lanes(1.0), lab(), summary(1.0))
    assert [(r["lane"], r["alarm"]) for r in readings] == [("quiet", False)]
    text = readings[0]["text"]
    assert "median 1.0 ms" in text and "no pool was full" in text and "12%" in text
    assert readings[0]["headline"] == "nothing held it up"


def test_a_run_with_no_lanes_has_no_reading() -> None:
    assert read_run(quick_rows(10, 1.0), {}, lab(), summary(1.0)) == []


def test_a_blocked_loop_is_named_with_its_share_and_longest_stall() -> None:
    # Ten stalls of 100 ms over a 1 s run; nothing else busy, the CPU idle: a blocking wait.
    lanes = quiet_lanes(1.0)
    lanes["loop_lag_ms"] = series([97.0] * 9 + [101.0], 0.1, start_s=0.1)
    lanes["threadpool_busy"] = gauge([0] * 50)
    readings = read_run(quick_rows(10, 1.0), lanes, lab(), summary(1.0))
    (loop,) = [r for r in readings if r["lane"] == "loop_lag_ms"]
    assert loop["alarm"]
    assert "blocked for 97% of the run" in loop["text"]
    assert "longest stall 101 ms" in loop["text"]
    assert "a blocking call inside `async def`" in loop["text"]
    assert loop["headline"] == "event loop blocked 97%"


def test_a_loop_busy_computing_is_told_apart_from_one_waiting() -> None:
    lanes = quiet_lanes(1.0)
    lanes["loop_lag_ms"] = series([200.0] * 4, 0.25)
    lanes["threadpool_busy"] = gauge([0] * 50)
    lanes["cpu_percent"] = gauge([99.0] * 50)
    (loop, cpu) = read_run(quick_rows(4, 1.0), lanes, lab(), summary(1.0))
    assert "CPU work inside `async def`" in loop["text"]
    assert cpu["lane"] == "cpu_percent" and "99% of one core" in cpu["text"]
    assert "more threads will not help, more processes will" in cpu["text"]


def test_a_loop_lagging_while_handlers_overlap_is_blamed_on_its_own_work() -> None:
    # A hundred requests in the handler at once: no handler kept the loop to itself.
    lanes = quiet_lanes(1.0)
    lanes["loop_lag_ms"] = series([1.0] * 20 + [120.0], LAG_INTERVAL_S)
    rows = [row(i, 0.0, 0.05, 0.05, 0.9, 1.0) for i in range(100)]
    readings = read_run(rows, lanes, lab(), summary(1.0))
    (loop,) = [r for r in readings if r["lane"] == "loop_lag_ms"]
    assert "accepting 100 connections" in loop["text"]
    assert "blocking call" not in loop["text"]


def test_a_loop_late_for_want_of_a_core_is_not_blamed_on_its_own_work() -> None:
    # The same lagging loop, but its thread waited for a core 60% of the run.
    lanes = quiet_lanes(1.0)
    lanes["loop_lag_ms"] = series([1.0] * 20 + [120.0], LAG_INTERVAL_S)
    lanes["cpu_wait_percent"] = waits(60.0, 1.0)
    rows = [row(i, 0.0, 0.05, 0.05, 0.9, 1.0) for i in range(100)]
    readings = read_run(rows, lanes, lab(), summary(1.0))
    (loop,) = [r for r in readings if r["lane"] == "loop_lag_ms"]
    assert "ready to run but waited for a core for 60% of the run" in loop["text"]
    assert "other programs on this machine had the cores" in loop["text"]
    assert "accepting" not in loop["text"]
    assert "cpu_wait_percent" not in lanes_read(readings)  # said once


def test_a_loop_computing_on_a_crowded_core_is_read_by_the_cpu_it_wanted() -> None:
    # One request at a time computing on the loop, which got a third of its core and waited
    # for it the rest: CPU work inside `async def`, and the wait said apart.
    lanes = quiet_lanes(1.0)
    lanes["loop_lag_ms"] = series([200.0] * 4, 0.25)
    lanes["threadpool_busy"] = gauge([0] * 50)
    lanes["cpu_percent"] = series([33.0] * 10, SEND_INTERVAL_S, SEND_INTERVAL_S)
    lanes["cpu_wait_percent"] = waits(64.0, 1.0)
    readings = read_run(quick_rows(4, 1.0), lanes, lab(), summary(1.0))
    (loop,) = [r for r in readings if r["lane"] == "loop_lag_ms"]
    assert "CPU work inside `async def`" in loop["text"], loop
    (wait,) = [r for r in readings if r["lane"] == "cpu_wait_percent"]
    assert "waited for a core for 64% of the run" in wait["text"]
    assert "cpu_percent" not in lanes_read(readings)  # it used a third of a core: not the limit


def test_a_loop_that_waited_a_tenth_of_the_run_for_a_core_is_named_however_low_its_lag() -> None:
    def named(percent: float) -> list[Reading]:
        lanes = quiet_lanes(1.0)
        lanes["cpu_wait_percent"] = waits(percent, 1.0)
        readings = read_run(quick_rows(10, 1.0), lanes, lab(), summary(1.0))
        return [r for r in readings if r["lane"] == "cpu_wait_percent"]

    (wait,) = named(100 * CPU_WAIT_SHARE * 2)
    assert wait["alarm"]
    assert "waited for a core for 20% of the run" in wait["text"]
    assert "every time here includes that wait" in wait["text"]
    assert wait["headline"] == "waited for a core 20%"
    assert named(100 * CPU_WAIT_SHARE / 2) == []


def test_requests_slow_to_be_read_while_the_loop_waited_for_a_core_say_so() -> None:
    def connecting(percent: float) -> str:
        lanes = quiet_lanes(1.0)
        lanes["cpu_wait_percent"] = waits(percent, 1.0)
        rows = quick_rows(10, 1.0, read_ms=2 * SLOW_READ_MS)
        (read,) = [
            r for r in read_run(rows, lanes, lab(), summary(1.0)) if r["lane"] == "connecting"
        ]
        return read["text"]

    assert connecting(100 * CPU_WAIT_SHARE * 2).endswith(
        "10 new connections, waiting for a core part of the time."
    )
    assert connecting(0).endswith("10 new connections.")


@pytest.mark.parametrize(
    ("arrival", "cause"),
    [
        (Burst(requests=10), "accept and read 10 new connections."),
        (
            Burst(requests=10, connections="kept-alive"),
            "read 10 requests on connections already open.",
        ),
        (
            Users(users=2, think_min_s=0, think_max_s=0, duration_s=1),
            "accept the clients' connections and read their requests.",
        ),
    ],
    ids=["burst", "kept-alive", "users"],
)
def test_requests_slow_to_be_read_are_told_as_the_load_opened_its_connections(
    arrival: LoadArrival, cause: str
) -> None:
    rows = quick_rows(10, 1.0, read_ms=2 * SLOW_READ_MS)
    readings = read_run(rows, quiet_lanes(1.0), lab(), summary(1.0), arrival)
    (read,) = [r for r in readings if r["lane"] == "connecting"]
    assert read["text"].endswith(f"the lab took that long to {cause}")


def test_a_live_run_is_judged_with_the_wait_it_has_measured_so_far() -> None:
    # What `GET /api/runs/{id}` answers while a run streams: the same verdict it will store.
    request = RunRequest.model_validate(burst("async", 10))
    prediction = Prediction(makespan_s=0.5, throughput_rps=20.0, formula="N × 50 ms")
    run = Run(id=1, request=request, prediction=prediction, rows=quick_rows(10, 1.0))
    run.lanes = quiet_lanes(1.0)
    run.lanes["cpu_wait_percent"] = waits(100 * CPU_WAIT_SHARE * 3, 1.0)
    live = summary_of(run)["verdict"]
    assert live is not None and live["kind"] == "crowded", live
    run.lanes["cpu_wait_percent"] = waits(0.0, 1.0)
    live = summary_of(run)["verdict"]
    assert live is not None and live["kind"] == "differs", live
    run.move("running")
    run.move("cancelling", outcome="cancelled")
    assert summary_of(run)["verdict"] is None  # being cancelled: no colour


def test_a_loop_waiting_while_the_labs_own_processes_fill_every_core_says_so() -> None:
    lanes = quiet_lanes(1.0)
    lanes["cpu_percent"] = gauge([198.0] * 50)
    lanes["process_pool_busy"] = gauge([2] * 50)
    lanes["cpu_wait_percent"] = waits(30.0, 1.0)
    readings = read_run(quick_rows(10, 1.0), lanes, lab(cores=2), summary(1.0))
    (wait,) = [r for r in readings if r["lane"] == "cpu_wait_percent"]
    assert "the lab's own processes had every core" in wait["text"]


def test_the_loop_thresholds_are_clinics_median_and_max() -> None:
    def flagged(lags: list[float]) -> bool:
        lanes = quiet_lanes(1.0)
        lanes["loop_lag_ms"] = series(lags, LAG_INTERVAL_S)
        readings = read_run(quick_rows(10, 1.0), lanes, lab(), summary(1.0))
        return "loop_lag_ms" in lanes_read(readings)

    assert flagged([LAG_MEDIAN_MS] * 9)
    assert not flagged([LAG_MEDIAN_MS - 1] * 9)
    assert flagged([1.0] * 20 + [LAG_MAX_MS])
    assert not flagged([1.0] * 20 + [LAG_MAX_MS - 1])


def test_a_full_threadpool_names_its_size_how_long_and_the_queue() -> None:
    # 40 tokens busy for 0.5 s of a 1 s run; requests waited 180 ms between arriving and
    # their handler starting.
    lanes = quiet_lanes(1.0)
    lanes["threadpool_busy"] = gauge([20] * 10 + [40] * 25 + [12] * 15)
    rows = [row(i, 0.0, 0.001, 0.181, 0.99, 1.0) for i in range(10)]
    (full,) = read_run(rows, lanes, lab(threadpool=40), summary(1.0))
    assert full["lane"] == "threadpool_busy" and full["alarm"]
    assert full["text"].startswith("All 40 threadpool tokens were busy for 0.5 s")
    assert "requests queued for a thread" in full["text"]
    assert "180 ms on average between arriving and the handler starting" in full["text"]
    assert full["headline"] == "threadpool full 0.5 s"


def test_the_ceiling_is_the_labs_own_threadpool() -> None:
    lanes = quiet_lanes(1.0)
    lanes["threadpool_busy"] = gauge([10] * 50)
    (full,) = read_run(quick_rows(10, 1.0), lanes, lab(threadpool=10), summary(1.0))
    assert full["text"].startswith("All 10 threadpool tokens")
    assert lanes_read(read_run(quick_rows(10, 1.0), lanes, lab(threadpool=40), summary(1.0))) == [
        "quiet"
    ]


def test_a_pool_full_for_a_moment_is_not_a_queue() -> None:
    moment = int(MIN_FULL_S / GAUGE_INTERVAL_S) - 1
    lanes = quiet_lanes(1.0)
    lanes["threadpool_busy"] = gauge([5] * 10 + [40] * moment + [5] * 10)
    assert lanes_read(read_run(quick_rows(10, 1.0), lanes, lab(), summary(1.0))) == ["quiet"]


def test_a_full_process_pool_on_every_core_says_the_machine_is_the_limit() -> None:
    lanes = quiet_lanes(2.0)
    lanes["process_pool_busy"] = gauge([2] * 100)
    lanes["cpu_percent"] = gauge([196.0] * 100)
    readings = read_run(quick_rows(10, 2.0), lanes, lab(processes=2, cores=2), summary(2.0))
    assert lanes_read(readings) == ["process_pool_busy", "cpu_percent"]
    assert readings[0]["text"].startswith("Both process pool workers were busy for 2.0 s")
    assert "196% — all 2 cores busy" in readings[1]["text"]
    assert [r["headline"] for r in readings] == [
        "process pool full 2.0 s",
        "all 2 cores busy (196%)",
    ]


def test_the_cpu_named_is_never_more_than_a_sample_of_it() -> None:
    # A short run has few CPU samples: two, read over a 0.34 s run of external-api `async`.
    # Their 90th percentile extrapolated past both once, and the page said "141% of one core".
    lanes = quiet_lanes(0.3)
    lanes["cpu_percent"] = series([100.0, 42.0], 0.1, start_s=0.1)
    readings = read_run(quick_rows(10, 0.3), lanes, lab(), summary(0.3))
    assert [r["lane"] for r in readings] == ["cpu_percent"]
    assert "The CPU was at 94% of one core" in readings[0]["text"]
    assert readings[0]["headline"] == "CPU-bound: 94% of one core"


def test_a_full_default_executor_is_named_with_its_size() -> None:
    lanes = quiet_lanes(1.0)
    lanes["executor_busy"] = gauge([6] * 50)
    (full,) = read_run(quick_rows(10, 1.0), lanes, lab(executor=6), summary(1.0))
    assert full["text"].startswith("All 6 threads of asyncio's default executor were busy")


def test_requests_slow_to_be_read_blame_the_loop_when_it_was_blocked() -> None:
    lanes = quiet_lanes(1.0)
    lanes["loop_lag_ms"] = series([150.0] * 6, 0.15)
    rows = [row(i, 0.0, 0.18, 0.18, 0.99, 1.0) for i in range(10)]
    readings = read_run(rows, lanes, lab(), summary(1.0))
    (slow,) = [r for r in readings if r["lane"] == "connecting"]
    assert slow["text"] == (
        "Requests waited 180 ms on average to be read (sent → arrived): "
        "the loop was too busy to accept them."
    )
    assert slow["headline"] == "180 ms to be read"


def test_requests_read_within_the_threshold_raise_nothing() -> None:
    rows = quick_rows(10, 1.0, read_ms=SLOW_READ_MS - 1)
    assert lanes_read(read_run(rows, quiet_lanes(1.0), lab(), summary(1.0))) == ["quiet"]


def test_samples_after_the_last_response_are_not_read() -> None:
    # The sampler lingers after the run: a stall then belongs to no request of it.
    lanes = quiet_lanes(1.0)
    lanes["loop_lag_ms"] += series([500.0], 1.0, start_s=1.5)
    assert lanes_read(read_run(quick_rows(10, 1.0), lanes, lab(), summary(1.0))) == ["quiet"]


def test_a_stall_that_ends_after_the_last_response_is_the_runs() -> None:
    # Handlers blocking back to back keep the lag timer from firing until the last is done,
    # later than the harness had its response: one sample for the whole run's stall.
    lanes = quiet_lanes(1.0)
    lanes["loop_lag_ms"] = series([0.5], LAG_INTERVAL_S) + series([995.0], 1.0, start_s=1.005)
    readings = read_run(quick_rows(10, 1.0), lanes, lab(), summary(1.0))
    (loop,) = [r for r in readings if r["lane"] == "loop_lag_ms"]
    assert "longest stall 995 ms" in loop["text"]


def test_a_blocking_runs_reading_names_the_blocked_loop(playground: Playground) -> None:
    run = playground.run(burst("async-blocking", 10, delay_ms=100))
    assert run["status"] == "done", run["error"]
    readings = run["summary"]["reading"]
    (loop,) = [r for r in readings if r["lane"] == "loop_lag_ms"]
    assert loop["alarm"]
    assert "The event loop was blocked for" in loop["text"]
    assert "a blocking call inside `async def`" in loop["text"]


def test_a_hundred_def_requests_read_as_a_full_threadpool(playground: Playground) -> None:
    threadpool = playground.lab()["info"]["threadpool"]
    run = playground.run(burst("sync", 100, delay_ms=300))
    assert run["status"] == "done", run["error"]
    (full,) = [r for r in run["summary"]["reading"] if r["lane"] == "threadpool_busy"]
    assert full["text"].startswith(f"All {threadpool} threadpool tokens were busy for ")
    assert "requests queued for a thread" in full["text"]
