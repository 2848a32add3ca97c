"""The Locust side of the agreement benchmark; run by bench/.venv-locust's locust, not the
project's Python. Users visit one path with Locust's own `between` wait, and every request is
written out at the end, stamped with time.perf_counter() (CLOCK_MONOTONIC, the clock the
playground's harness uses too), so both are cut into the same steady-state window.

Environment: BENCH_PATH (the path with its query), BENCH_THINK ("min,max" seconds),
BENCH_OUT (a JSON file: a list of [started, ended, ok]).
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from locust import HttpUser, between, events, task

PATH = os.environ["BENCH_PATH"]
THINK_MIN, THINK_MAX = (float(value) for value in os.environ["BENCH_THINK"].split(","))
RECORDS: list[tuple[float, float, bool]] = []


@events.request.add_listener
def record(response_time: float, exception: BaseException | None, **_: Any) -> None:
    ended = time.perf_counter()
    RECORDS.append((ended - response_time / 1000, ended, exception is None))


@events.quitting.add_listener
def save(**_: Any) -> None:
    with open(os.environ["BENCH_OUT"], "w", encoding="utf-8") as out:
        json.dump(RECORDS, out)


class Visitor(HttpUser):
    wait_time = between(THINK_MIN, THINK_MAX)

    @task
    def visit(self) -> None:
        self.client.get(PATH)
