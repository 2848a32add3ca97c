"""Predictions from each variant's queue model, with the lab's real pool sizes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from playground.lab.info import LabInfo
from playground.predict import predict
from playground.schemas import RunRequest

LAB = LabInfo(threadpool=40, default_executor=6, cores=2, workers=1, processes=2, pid=1)


def request(variant: str, arrival: dict[str, Any], delay_ms: int = 200) -> RunRequest:
    return RunRequest.model_validate(
        {
            "scenario": "sleep",
            "variant": variant,
            "arrival": arrival,
            "params": {"delay_ms": delay_ms},
        }
    )


@pytest.mark.parametrize(
    ("variant", "requests", "concurrency", "expected_s"),
    [
        ("sync", 100, None, 0.6),  # ceil(100 / 40) waves
        ("sync", 100, 10, 2.0),  # the harness's C is the narrower limit
        ("async", 100, None, 0.2),
        ("async", 100, 25, 0.8),
        ("async-blocking", 100, None, 20.0),
        ("async-offload", 100, None, 0.6),
    ],
)
def test_burst_makespan(
    variant: str, requests: int, concurrency: int | None, expected_s: float
) -> None:
    arrival = {"model": "burst", "requests": requests, "concurrency": concurrency}
    prediction = predict(request(variant, arrival), LAB)
    assert prediction.makespan_s == pytest.approx(expected_s)
    assert f"{expected_s:.2f} s" in prediction.formula


def test_the_threadpool_size_comes_from_the_lab() -> None:
    small = LabInfo(threadpool=10, default_executor=6, cores=2, workers=1, processes=2, pid=1)
    prediction = predict(request("sync", {"model": "burst", "requests": 100}), small)
    assert prediction.makespan_s == pytest.approx(2.0)
    assert "10 threads" in prediction.formula


def test_closed_loop_users_are_capped_by_the_threadpool() -> None:
    arrival = {"model": "users", "users": 300, "think_min_s": 1, "think_max_s": 3, "duration_s": 30}
    sync = predict(request("sync", arrival, delay_ms=1000), LAB)
    async_ = predict(request("async", arrival, delay_ms=1000), LAB)
    assert sync.throughput_rps == pytest.approx(40.0)  # 40 threads / 1 s
    assert async_.throughput_rps == pytest.approx(100.0)  # 300 users / (1 s + 2 s think)


def test_open_loop_rate_beyond_capacity_backs_up() -> None:
    arrival = {"model": "rate", "rate_rps": 20, "duration_s": 5}
    blocking = predict(request("async-blocking", arrival, delay_ms=100), LAB)
    assert blocking.throughput_rps == pytest.approx(10.0)
    assert blocking.makespan_s == pytest.approx(100 / 10 + 0.1)


CALIBRATED = LabInfo(
    threadpool=40,
    default_executor=6,
    cores=2,
    workers=1,
    processes=2,
    pid=1,
    calibration={
        "request_new_ms": 0.3,
        "request_kept_alive_ms": 0.1,
        "thread_hop_ms": 0.05,
        "httpx_new_client_call_ms": 20.0,
    },
)


def burst(
    requests: int, concurrency: int | None = None, connections: str = "new"
) -> dict[str, Any]:
    return {
        "model": "burst",
        "requests": requests,
        "concurrency": concurrency,
        "connections": connections,
    }


def test_a_trivial_endpoint_predicts_what_each_request_costs_the_loop() -> None:
    hello = {"scenario": "hello", "arrival": burst(1000), "params": {}}
    async_ = predict(RunRequest.model_validate({**hello, "variant": "async"}), CALIBRATED)
    sync = predict(RunRequest.model_validate({**hello, "variant": "sync"}), CALIBRATED)
    assert async_.makespan_s == pytest.approx(1000 * 0.0003)
    assert sync.makespan_s == pytest.approx(1000 * (0.0003 + 0.00005))  # and a thread hop each
    assert [cost.label for cost in sync.costs] == ["request on a new connection", "thread hop"]
    assert "N=1,000 × 0.35 ms on the loop" in sync.formula


def test_a_def_dependency_hops_to_a_thread_even_when_it_waits_for_nothing() -> None:
    body = {"scenario": "dependency", "arrival": burst(100), "params": {"lookup_ms": 100}}
    trivial = RunRequest.model_validate({**body, "variant": "trivial-sync-dependency"})
    awaited = RunRequest.model_validate({**body, "variant": "async-dependency"})
    hops, stays = predict(trivial, CALIBRATED), predict(awaited, CALIBRATED)
    assert [cost.label for cost in hops.costs] == ["request on a new connection", "thread hop"]
    assert hops.makespan_s == pytest.approx(100 * (0.0003 + 0.00005) + 0.1)
    assert stays.makespan_s == pytest.approx(100 * 0.0003 + 0.1)


def test_the_loop_term_adds_to_the_waves() -> None:
    prediction = predict(request("sync", burst(100), delay_ms=200), CALIBRATED)
    assert prediction.makespan_s == pytest.approx(100 * 0.00035 + 3 * 0.2)


def test_kept_alive_connections_predict_the_kept_alive_cost() -> None:
    new = predict(request("async", burst(1000), delay_ms=250), CALIBRATED)
    kept = predict(request("async", burst(1000, connections="kept-alive"), 250), CALIBRATED)
    assert new.makespan_s == pytest.approx(1000 * 0.0003 + 0.25)
    assert kept.makespan_s == pytest.approx(1000 * 0.0001 + 0.25)
    assert kept.costs[0].label == "request on a kept-alive connection"


def test_a_burst_on_new_connections_opens_one_for_every_request_whatever_its_concurrency() -> None:
    new = predict(request("async", burst(100, concurrency=10), delay_ms=0), CALIBRATED)
    kept = predict(
        request("async", burst(100, concurrency=10, connections="kept-alive"), 0), CALIBRATED
    )
    assert new.makespan_s == pytest.approx(100 * 0.0003)
    assert kept.makespan_s == pytest.approx(100 * 0.0001)


def test_a_client_built_per_request_is_a_loop_cost_of_the_variant() -> None:
    body = {
        "scenario": "external-api",
        "variant": "async-new-client",
        "arrival": burst(100),
        "params": {"latency_ms": 100},
    }
    prediction = predict(RunRequest.model_validate(body), CALIBRATED)
    assert prediction.makespan_s == pytest.approx(100 * (0.0003 + 0.02) + 0.1)


def test_the_loop_caps_a_closed_loop_of_users() -> None:
    arrival = {"model": "users", "users": 1000, "think_min_s": 0, "think_max_s": 0}
    prediction = predict(request("async", arrival, delay_ms=0), CALIBRATED)
    assert prediction.throughput_rps == pytest.approx(1 / 0.0001)


def test_every_scenario_default_load_is_a_valid_load() -> None:
    from playground.scenarios import SCENARIOS

    for scenario in SCENARIOS.values():
        body = {"scenario": scenario.id, "variant": scenario.variants[0].id}
        RunRequest.model_validate({**body, "arrival": dict(scenario.default_load)})


CPU_LAB = replace(
    LAB, calibration={"work_takes": 1.1, "gil_contention": 1.3, "process_contention": 1.2}
)


def cpu_request(variant: str, requests: int = 20) -> RunRequest:
    return RunRequest.model_validate(
        {
            "scenario": "cpu",
            "variant": variant,
            "arrival": {"model": "burst", "requests": requests},
            "params": {"work_ms": 100},
        }
    )


@pytest.mark.parametrize(
    ("variant", "expected_s"),
    [
        ("async-blocking", 20 * 0.1 * 1.1),  # alone on the loop: the work as it runs in full
        ("sync", 20 * 0.1 * 1.1 * 1.3),  # threads taking turns on the GIL pay for it
        ("async-offload-thread", 20 * 0.1 * 1.1 * 1.3),
        ("async-offload-process", 10 * 0.1 * 1.2),  # 2 processes, sharing the 2 cores
    ],
)
def test_cpu_work_is_predicted_with_what_the_lab_calibrated(
    variant: str, expected_s: float
) -> None:
    assert predict(cpu_request(variant), CPU_LAB).makespan_s == pytest.approx(expected_s)
    uncalibrated = predict(cpu_request(variant), LAB).makespan_s
    assert uncalibrated < expected_s  # without a calibration, no factor: plain N × work waves


FILE_LAB = replace(
    LAB,
    calibration={
        "request_new_ms": 0.5,
        "file_write_us_per_file": 100.0,
        "file_write_us_per_mb": 400.0,  # a default 16 MB write: 0.1 + 6.4 = 6.5 ms
        "file_write_request_ms": 8.0,  # its whole request: 1 ms more than its parts
    },
)


@pytest.mark.parametrize(
    ("size_kb", "refill_ms"),
    [(16_384, 1.0), (65_536, 1.0), (4_096, 0.25), (1, 1 / 16_384)],
)
def test_a_write_costs_the_loop_what_its_timed_request_had_beyond_its_parts(
    size_kb: int, refill_ms: float
) -> None:
    run = RunRequest.model_validate(
        {
            "scenario": "file-io",
            "variant": "async-blocking",
            "arrival": {"model": "burst", "requests": 10},
            "params": {"size_kb": size_kb},
        }
    )
    costs = {cost.label: cost.seconds for cost in predict(run, FILE_LAB).costs}
    assert costs["the loop's caches refilled after a write"] == pytest.approx(refill_ms / 1000)
    write_s = (100 + size_kb / 1024 * 400) / 1e6
    expected = 10 * (0.5 + refill_ms) / 1000 + 10 * write_s  # one write at a time on the loop
    assert predict(run, FILE_LAB).makespan_s == pytest.approx(expected)
