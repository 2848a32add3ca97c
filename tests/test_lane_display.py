"""The lanes' words, worded from the run's own lab: the page and the exports read them here."""

from __future__ import annotations

from playground.lab.sampler import LAG_INTERVAL_S, LANES
from playground.lane_display import counters

LAB = {"threadpool": 10, "default_executor": 6, "processes": 3, "cores": 4, "workers": 1}


def test_each_pool_lane_names_the_labs_own_size_as_its_ceiling() -> None:
    by_series = {counter.series: counter for counter in counters(LAB)}
    assert by_series["threadpool_busy"].ceiling == 10
    assert "(of 10)" in by_series["threadpool_busy"].label
    assert by_series["executor_busy"].ceiling == 6 and "(of 6)" in by_series["executor_busy"].label
    assert by_series["process_pool_busy"].label == "process pool workers at work (of 3)"
    assert by_series["cpu_percent"].ceiling == 400
    assert "4 cores = 400%" in by_series["cpu_percent"].label
    timer_ms = round(LAG_INTERVAL_S * 1000)
    assert f"how late a {timer_ms} ms timer fires" in by_series["loop_lag_ms"].label


def test_every_sampled_series_is_drawn_once_the_wait_on_the_cpu() -> None:
    drawn = [counter.series for counter in counters(LAB)]
    stacked = [counter.stack for counter in counters(LAB) if counter.stack]
    assert stacked == ["cpu_wait_percent"]
    assert sorted(drawn + stacked) == sorted(LANES)


def test_several_workers_are_counted_per_worker_and_an_unknown_lab_names_no_size() -> None:
    per_worker = {c.series: c.label for c in counters({**LAB, "workers": 2})}
    assert "(of 10 per worker)" in per_worker["threadpool_busy"]
    unknown = counters({})
    assert all(counter.ceiling is None for counter in unknown)
    assert not any("(of" in counter.label or "cores =" in counter.label for counter in unknown)
