"""Schemathesis fuzzes the real playground from its own `/openapi.json`: no input is a 5xx.

Schemathesis generates valid and invalid requests for every operation of the schema (huge
integers, odd strings, wrong types, missing fields), which finds what hand-written cases miss.
To keep every fuzzed run tiny, the lab is kept busy by one idle run while run-starting and
lab-restarting operations are fuzzed (a valid body gets 409, an invalid one 422); cancelling
and streaming are fuzzed after it ends, when no run can be cancelled or stream for long.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.schemas import APIOperation

from tests.conftest import Playground, burst

EXAMPLES_PER_MODE = 40
BUDGET_S = 20.0  # per phase; each operation gets its share
LATER = ("POST /api/runs/{run_id}/cancel", "GET /api/runs/{run_id}/events")


def idle_run() -> dict[str, Any]:
    """A run that keeps the lab busy for two minutes and costs almost nothing: one user who
    sends a request, then thinks for a minute."""
    return {
        "scenario": "sleep",
        "variant": "async",
        "arrival": {
            "model": "users",
            "users": 1,
            "think_min_s": 60,
            "think_max_s": 60,
            "duration_s": 120,
        },
        "params": {"delay_ms": 0},
    }


def fuzz(
    operation: APIOperation,
    base_url: str,
    statuses: Counter[int],
    failures: list[str],
    until: float,
) -> None:
    session = requests.Session()
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES_PER_MODE,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def call(case: schemathesis.Case) -> None:
            if time.monotonic() > until:
                return
            response = case.call(base_url=base_url, session=session, timeout=20)
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                failures.append(
                    f"{operation.label} → {response.status_code}: {case.as_curl_command()}"
                )

        try:
            call()
        except Unsatisfiable:  # nothing to make invalid: an operation without parameters
            assert mode is GenerationMode.NEGATIVE, operation.label


def fuzz_all(
    schema: Any,
    base_url: str,
    keep: Callable[[str], bool],
    statuses: Counter[int],
    failures: list[str],
) -> None:
    operations = [result.ok() for result in schema.get_all_operations()]
    chosen = [operation for operation in operations if keep(operation.label)]
    assert chosen
    for operation in chosen:
        fuzz(operation, base_url, statuses, failures, time.monotonic() + BUDGET_S / len(chosen))


def test_fuzzing_the_api_from_its_schema_finds_no_server_error(
    fresh_playground: Callable[..., Playground],
) -> None:
    playground = fresh_playground()
    done = playground.run(burst("async", 3, delay_ms=0))  # a finished run for ids to find
    schema = schemathesis.openapi.from_url(f"{playground.url}/openapi.json")
    statuses: Counter[int] = Counter()
    failures: list[str] = []

    busy = playground.start_run(idle_run())
    fuzz_all(schema, playground.url, lambda label: label not in LATER, statuses, failures)
    runs = playground.client.get("/api/runs", params={"limit": 500}).json()["runs"]
    ids = [run["id"] for run in runs]
    # No fuzzed run started (the finished one may have been deleted; a running one cannot be).
    assert busy in ids and set(ids) <= {busy, done["id"]}
    assert playground.client.post(f"/api/runs/{busy}/cancel", timeout=120).status_code == 200

    fuzz_all(schema, playground.url, lambda label: label in LATER, statuses, failures)

    made = sum(statuses.values())
    print(f"schemathesis made {made} requests: {dict(sorted(statuses.items()))}")
    assert failures == []
    assert made > 100
    assert not any(status >= 500 for status in statuses)
