"""The lab process itself: its clock is the harness's clock, it reports its own pools, and it
answers only the playground that started it, within the scenarios' limits."""

from __future__ import annotations

import html
import os
import re
import time
from collections.abc import Callable, Iterator
from time import perf_counter

import httpx
import pytest

from playground.lab.contract import SECRET_HEADER, Contract
from playground.settings import LabSettings
from playground.upstream import MAX_LATENCY_MS
from tests import helpers
from tests.conftest import Playground


@pytest.fixture(scope="module")
def lab() -> Iterator[helpers.Helper]:
    yield from helpers.lab(threadpool=10, processes=1)


@pytest.fixture(scope="module")
def upstream() -> Iterator[helpers.Helper]:
    yield from helpers.upstream()


def test_the_lab_clock_is_the_harness_clock(lab: helpers.Helper) -> None:
    with lab.client() as client:
        client.get("/clock")  # connect first: only the clock read is timed below
        for _ in range(20):
            before = perf_counter()
            lab_now = client.get("/clock").json()["perf_counter"]
            after = perf_counter()
            assert before <= lab_now <= after


def test_the_lab_is_another_process_on_loopback_reporting_its_pools(
    playground: Playground,
) -> None:
    lab = playground.lab()
    assert lab["url"].startswith("http://127.0.0.1:")
    info = lab["info"]
    assert info["pid"] not in (os.getpid(), playground.process.pid)
    assert info["threadpool"] == lab["settings"]["threadpool"]
    assert info["cores"] == os.cpu_count()
    assert info["default_executor"] == min(32, (os.cpu_count() or 1) + 4)


def test_the_lab_takes_its_settings_from_the_contract_alone(lab: helpers.Helper) -> None:
    with lab.client() as client:
        info = client.get("/info").json()
    assert (info["threadpool"], info["workers"], info["processes"]) == (10, 1, 1)
    # What it measured at start, for the texts and models that name a cost on this machine.
    assert set(info["calibration"]) >= {
        "work_takes",
        "file_write_us_per_file",
        "file_write_us_per_mb",
        "file_write_request_ms",  # timed as a whole request to its endpoint
        "async_client_build_ms",
    }
    assert all(value > 0 for value in info["calibration"].values())


def test_a_contract_survives_the_environment_and_may_have_no_secret() -> None:
    contract = Contract(LabSettings(7, 2, 3), secret="s", parent_pid=123, lanes="h:1")
    assert Contract.from_env(contract.to_env()) == contract
    assert Contract.from_env({}) == Contract()
    assert Contract().headers == {} and Contract().secret is None


@pytest.mark.parametrize("path", ["/ping", "/info", "/health", "/s/hello/async"])
@pytest.mark.parametrize("secret", [None, "wrong", helpers.SECRET[:-1]])
def test_the_lab_refuses_a_request_without_its_secret(
    lab: helpers.Helper, path: str, secret: str | None
) -> None:
    headers = {SECRET_HEADER: secret} if secret else {}
    response = httpx.get(lab.url + path, headers=headers)
    assert response.status_code == 403
    assert "answers only the playground" in response.json()["detail"]


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("evil.example", 400),
        ("127.0.0.1.evil.example", 400),
        ("localhost.evil.example:80", 400),
        ("10.0.0.1", 400),
        ("", 400),
        ("127.0.0.1", 200),
        ("localhost:1234", 200),
        ("[::1]:8000", 200),
    ],
)
def test_the_lab_answers_only_a_loopback_host(lab: helpers.Helper, host: str, status: int) -> None:
    with lab.client(host=host) as client:
        response = client.get("/ping")
    assert response.status_code == status, response.text
    if status == 400:
        assert "Host header must be" in response.json()["detail"]


def test_params_beyond_the_limits_are_refused_before_the_endpoint_runs(
    lab: helpers.Helper,
) -> None:
    with lab.client() as client:
        # Before the lab checked limits itself, this pinned a core until the lab restarted.
        refused = client.get("/s/cpu/sync", params={"work_ms": 99_999_999_999}, timeout=20)
        assert refused.status_code == 422
        assert "work_ms must be within 1..2,000 ms" in refused.json()["detail"]
        assert client.get("/ping").status_code == 200
        assert client.get("/s/cpu/sync", params={"work_ms": 1}).status_code == 200


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({}, "work_ms is required"),
        ({"work_ms": "lots"}, "work_ms must be a whole number, not 'lots'"),
        ({"work_ms": "1.5"}, "work_ms must be a whole number"),
        ({"work_ms": 0}, "work_ms must be within 1..2,000 ms, not 0"),
        ({"work_ms": 1, "iterations": 10**12}, "unknown parameter iterations"),
    ],
)
def test_the_lab_explains_what_is_wrong_with_params(
    lab: helpers.Helper, query: dict[str, object], message: str
) -> None:
    with lab.client() as client:
        response = client.get("/s/cpu/async-blocking", params=query)  # type: ignore[arg-type]
    assert response.status_code == 422
    assert message in response.json()["detail"]


def test_the_upstream_answers_only_its_lab_within_its_limits(
    upstream: helpers.Helper,
) -> None:
    assert httpx.get(upstream.url + "/weather").status_code == 403
    with upstream.client(host="evil.example") as client:
        assert client.get("/weather").status_code == 400
    with upstream.client() as client:
        refused = client.get("/weather", params={"latency_ms": 99_999_999_999}, timeout=20)
        assert refused.status_code == 422
        assert client.get("/weather", params={"latency_ms": MAX_LATENCY_MS + 1}).status_code == 422
        answer = client.get("/weather", params={"latency_ms": 0})
        assert answer.status_code == 200 and answer.json()["city"] == "Oslo"


def test_a_helper_started_without_a_secret_answers_everyone() -> None:
    for helper in helpers.upstream(secret=None):
        response = httpx.get(helper.url + "/weather", headers={"host": "example.org"})
        assert response.status_code == 200


def kill_child(lab_pid: int, marker: str) -> int:
    """SIGKILL the lab's child process whose command line names `marker`."""
    found = [pid for pid, cmdline in helpers.children(lab_pid).items() if marker in cmdline]
    assert found, f"the lab has no child running {marker}"
    os.kill(found[0], 9)
    return found[0]


def call_upstream(
    requests: int, concurrency: int | None = None, latency_ms: int = 200
) -> dict[str, object]:
    arrival: dict[str, object] = {"model": "burst", "requests": requests}
    if concurrency:
        arrival["concurrency"] = concurrency
    return {"scenario": "external-api", "variant": "async", "arrival": arrival,
            "params": {"latency_ms": latency_ms}}  # fmt: skip


def test_dead_helpers_are_restarted_before_the_next_run_and_a_failed_run_says_so(
    fresh_playground: Callable[..., Playground],
) -> None:
    server = fresh_playground()
    lab_pid = server.lab()["info"]["pid"]

    # The upstream dies mid-run: the requests after it fail, and the summary says why.
    # One call a second, one at a time: the kill lands seconds before most of them are sent.
    run_id = server.start_run(call_upstream(8, concurrency=1, latency_ms=1_000))
    deadline = time.monotonic() + 60
    while not server.client.get(f"/api/runs/{run_id}").json()["timeline"]:
        assert time.monotonic() < deadline, "no request of the run came back"
        time.sleep(0.05)
    kill_child(lab_pid, "playground.upstream")
    failed = server.wait(run_id)
    assert failed["summary"]["errors"] >= 5
    failure = failed["summary"]["failure"]
    assert re.fullmatch(r"\d+ of 8 requests failed: HTTP 500: .*", failure), failure
    page = server.client.get(f"/runs/{run_id}").text
    assert "Most requests failed" in page and html.escape(failure) in page

    # Before the next run the lab finds its upstream dead and starts another.
    run = server.run(call_upstream(10))
    assert run["status"] == "done"
    assert run["summary"]["errors"] == 0, run["summary"]
    assert run["summary"]["failure"] is None

    # A killed process-pool worker breaks the whole pool; the lab renews it before the run.
    kill_child(lab_pid, "multiprocessing")
    run = server.run(
        {
            "scenario": "cpu",
            "variant": "async-offload-process",
            "arrival": {"model": "burst", "requests": 4},
            "params": {"work_ms": 20},
        }
    )
    assert run["status"] == "done"
    assert run["summary"]["errors"] == 0, run["summary"]
    # The lab repaired its helpers itself: it is the same lab process.
    assert server.lab()["info"]["pid"] == lab_pid
