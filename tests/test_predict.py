"""Predictions from each variant's queue model, with the lab's real pool sizes."""

from __future__ import annotations

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
