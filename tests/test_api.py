"""The JSON API: scenarios, validation with messages a person understands, one run at a time."""

from __future__ import annotations

import inspect
import json
from typing import Any

import pytest

from playground.scenarios import SCENARIOS
from tests.conftest import Playground, burst


def test_scenarios_list_variants_with_their_real_source(playground: Playground) -> None:
    body = playground.client.get("/api/scenarios").json()
    listed = {scenario["id"]: scenario for scenario in body["scenarios"]}
    assert set(listed) == set(SCENARIOS)
    sleep = listed["sleep"]
    variants = {variant["id"]: variant for variant in sleep["variants"]}
    assert list(variants) == ["sync", "async", "async-blocking", "async-offload"]
    assert variants["sync"]["kind"] == "def"
    assert variants["async-blocking"]["kind"] == "async def"
    endpoint = SCENARIOS["sleep"].variants_by_id["async-blocking"].endpoint
    assert inspect.getsource(endpoint).strip() in variants["async-blocking"]["source"]
    delay = sleep["params"][0]
    assert (delay["name"], delay["min"], delay["max"]) == ("delay_ms", 0, 10_000)


def messages(response: Any) -> str:
    return " ".join(item["msg"] for item in response.json()["detail"])


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (burst("async", 10_001), "less than or equal to 10000"),
        (burst("async", 0), "greater than or equal to 1"),
        (burst("async", 10, concurrency=11), "concurrency (11) cannot exceed requests (10)"),
        (burst("async", 10, delay_ms=10_001), "delay_ms must be within 0..10,000 ms"),
        (burst("async", 10, delay_ms=-1), "delay_ms must be within 0..10,000 ms"),
        ({**burst("nope", 10)}, "unknown variant 'nope' of scenario 'sleep'; choose one of: sync"),
        ({**burst("async", 10), "scenario": "nap"}, "unknown scenario 'nap'; choose one of: sleep"),
        ({**burst("async", 10), "params": {"delay": 5}}, "unknown parameter delay"),
        (
            {**burst("async", 10), "arrival": {"model": "poisson"}},
            "expected tags: 'burst', 'users', 'rate'",
        ),
        (
            {
                **burst("async", 10),
                "arrival": {"model": "rate", "rate_rps": 2000, "duration_s": 10},
            },
            "20,000 requests; at most 10,000",
        ),
        (
            {
                **burst("async", 1),
                "arrival": {"model": "users", "think_min_s": 3, "think_max_s": 1},
            },
            "think_min_s (3.0) cannot exceed think_max_s (1.0)",
        ),
        ({"variant": "async"}, "Field required"),
    ],
)
def test_bad_input_gets_422_naming_what_is_valid(
    playground: Playground, body: dict[str, Any], expected: str
) -> None:
    response = playground.client.post("/api/runs", json=body)
    assert response.status_code == 422
    assert expected in messages(response)


def test_not_json_gets_422(playground: Playground) -> None:
    response = playground.client.post(
        "/api/runs", content=b"requests=10", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


def test_unknown_run_is_404(playground: Playground) -> None:
    response = playground.client.get("/api/runs/424242")
    assert response.status_code == 404
    assert response.json()["detail"] == "there is no run 424242"
    page = playground.client.get("/runs/424242")
    assert page.status_code == 404
    assert "There is no run 424242." in page.text


def test_a_second_run_while_one_runs_gets_409_and_cancel_stops_it(playground: Playground) -> None:
    first = playground.start_run(burst("async-blocking", 50, delay_ms=200))  # 10 s if left alone
    second = playground.client.post("/api/runs", json=burst("async", 10))
    assert second.status_code == 409
    assert f"run {first} is still going" in second.json()["detail"]

    playground.wait_rows(first, 1)  # by then all 50 were sent: one at a time, 200 ms each
    cancelled = playground.client.post(f"/api/runs/{first}/cancel")
    assert cancelled.status_code == 200
    run = playground.wait(first)
    assert run["status"] == "cancelled"
    assert len(run["timeline"]) == 50
    assert any(row["error"] == "cancelled" for row in run["timeline"])
    assert run["summary"]["makespan_s"] < 8

    again = playground.client.post(f"/api/runs/{first}/cancel")
    assert again.status_code == 409
    # The lab was restarted after the cancel, so the next run is not slowed by the leftovers.
    after = playground.run(burst("async", 10, delay_ms=50))
    assert after["status"] == "done"
    assert after["summary"]["makespan_s"] < 1


def test_history_lists_runs_newest_first(playground: Playground) -> None:
    first = playground.run(burst("async", 5, delay_ms=10))["id"]
    second = playground.run(burst("sync", 5, delay_ms=10))["id"]
    runs = playground.client.get("/api/runs").json()["runs"]
    ids = [run["id"] for run in runs]
    assert ids.index(second) < ids.index(first)
    assert {"id", "status", "scenario", "variant", "summary"} <= set(runs[0])


def raw_post(playground: Playground, path: str, text: str) -> Any:
    return playground.client.post(
        path,
        content=text.encode("utf-8", "surrogatepass"),
        headers={"content-type": "application/json"},
    )


@pytest.mark.parametrize(
    "path",
    [
        "/api/runs/99999999999999999999",
        "/api/runs/9223372036854775808",
        "/api/runs/0",
        "/api/runs/-1",
        "/api/runs/abc",
        "/api/runs/99999999999999999999/events",
        "/api/runs?limit=99999999999999999999",
        "/api/runs?limit=0",
        "/api/runs?limit=501",
    ],
)
def test_out_of_range_integers_in_the_path_or_query_get_422(
    playground: Playground, path: str
) -> None:
    response = playground.client.get(path)
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"]


@pytest.mark.parametrize(
    "path",
    ["/runs/99999999999999999999", "/runs/0", "/compare?runs=1&runs=99999999999999999999"],
)
def test_out_of_range_integers_in_a_page_url_get_a_422_page(
    playground: Playground, path: str
) -> None:
    response = playground.client.get(path)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "Back to the playground" in response.text


@pytest.mark.parametrize("path", ["/api/runs/99999999999999999999/cancel", "/runs/0/cancel"])
def test_out_of_range_ids_to_cancel_get_422(playground: Playground, path: str) -> None:
    assert playground.client.post(path).status_code == 422


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '{"scenario": "sleep", "variant": "async", "arrival": {"model": "rate", '
            '"rate_rps": NaN, "duration_s": 1}, "params": {}}',
            "NaN is not a JSON number",
        ),
        (
            '{"scenario": "sleep", "variant": "async", "arrival": {"model": "rate", '
            '"rate_rps": Infinity, "duration_s": 1}, "params": {}}',
            "Infinity is not a JSON number",
        ),
        (
            '{"scenario": "sleep", "variant": "async", "arrival": {"model": "rate", '
            '"rate_rps": -Infinity, "duration_s": 1}, "params": {}}',
            "Infinity is not a JSON number",
        ),
        (
            '{"scenario": "sleep", "variant": "async", "arrival": {"model": "rate", '
            '"rate_rps": 1e999, "duration_s": 1}, "params": {}}',
            "1e999 is too large a number",
        ),
        (
            '{"scenario": "\\ud800", "variant": "async", "arrival": {"model": "burst"}}',
            "not valid UTF-8 text",
        ),
        (
            '{"scenario": "sleep", "variant": "async", "params": {"\\udfff": 1}}',
            "not valid UTF-8 text",
        ),
        (
            '{"scenario": "sleep", "variant": "async", "arrival": {"model": "burst", "requests": '
            + "9" * 5000
            + "}}",
            "the body is not valid JSON",
        ),
        ("requests=10", "the body is not valid JSON"),
    ],
)
def test_json_that_is_not_strict_json_gets_422(
    playground: Playground, text: str, expected: str
) -> None:
    response = raw_post(playground, "/api/runs", text)
    assert response.status_code == 422
    assert expected in messages(response)
    assert len(response.content) < 2000


def test_nan_in_lab_settings_gets_422_and_the_lab_stays(playground: Playground) -> None:
    before = playground.lab()["pid"]
    response = playground.client.put(
        "/api/lab/settings",
        content=b'{"threadpool": NaN, "workers": 1, "processes": 1}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    assert "NaN is not a JSON number" in messages(response)
    assert playground.lab()["pid"] == before


def test_a_lone_surrogate_in_a_string_gets_422_not_500(playground: Playground) -> None:
    body = {**burst("async", 1), "variant": "\ud800"}
    text = json.dumps(body)  # escapes it as \ud800, as a client in another language might
    response = raw_post(playground, "/api/runs", text)
    assert response.status_code == 422
    response.json()  # the 422 itself is valid JSON


@pytest.mark.parametrize("field", ["scenario", "variant"])
def test_a_422_never_echoes_more_than_a_few_hundred_characters(
    playground: Playground, field: str
) -> None:
    body = {**burst("async", 1), field: "x" * 50_000}
    response = playground.client.post("/api/runs", json=body)
    assert response.status_code == 422
    assert len(response.content) < 2000
    assert all(len(item["msg"]) <= 200 for item in response.json()["detail"])


def test_a_huge_integer_in_the_body_gets_422(playground: Playground) -> None:
    body = burst("async", 2**64)
    body["params"]["delay_ms"] = 2**70
    response = playground.client.post("/api/runs", json=body)
    assert response.status_code == 422


def test_unknown_runs_are_404_on_every_route(playground: Playground) -> None:
    for method, path in [
        ("GET", "/api/runs/424242"),
        ("GET", "/api/runs/424242/events"),
        ("POST", "/api/runs/424242/cancel"),
        ("POST", "/runs/424242/cancel"),
    ]:
        response = playground.client.request(method, path)
        assert response.status_code == 404, path
        assert "there is no run 424242" in response.text, path
    assert playground.client.post("/api/runs/424242/cancel").json() == {
        "detail": "there is no run 424242"
    }


def test_an_address_that_is_no_page_says_so_in_a_page_and_the_api_in_json(
    playground: Playground,
) -> None:
    nothing = playground.client.get("/nothing", headers={"Accept": "text/html"})
    assert nothing.status_code == 404
    assert nothing.headers["content-type"].startswith("text/html")
    assert "There is no page at /nothing." in nothing.text
    runs = playground.client.get("/runs", headers={"Accept": "text/html"})
    assert runs.status_code == 405
    assert "/runs is not a page to open" in runs.text
    assert playground.client.get("/api/nothing").json() == {"detail": "Not Found"}
    assert playground.client.put("/api/runs").status_code == 405


def test_the_page_and_the_api_answer_cancel_and_busy_alike(playground: Playground) -> None:
    finished = playground.run(burst("async", 1, delay_ms=0))["id"]
    api = playground.client.post(f"/api/runs/{finished}/cancel")
    page = playground.client.post(f"/runs/{finished}/cancel", headers={"HX-Request": "true"})
    assert api.status_code == page.status_code == 409
    assert api.json()["detail"] == f"run {finished} is not running (it is done)"
    assert f"<li>run {finished} is not running (it is done)</li>" in page.text

    going = playground.start_run(burst("async-blocking", 40, delay_ms=200))  # 8 s if left alone
    try:
        api_busy = playground.client.post("/api/runs", json=burst("async", 1))
        page_busy = playground.client.post(
            "/runs", data={"scenario": "sleep", "variant": "async", "requests": "1"}
        )
        assert api_busy.status_code == page_busy.status_code == 409
        assert f"<li>{api_busy.json()['detail']}</li>" in page_busy.text.replace("&#39;", "'")
        lab_api = playground.client.put(
            "/api/lab/settings", json={"threadpool": 8, "workers": 1, "processes": 1}
        )
        lab_page = playground.client.post("/lab", data={"threadpool": "8"})
        assert lab_api.status_code == lab_page.status_code == 409
    finally:
        cancelled = playground.client.post(f"/runs/{going}/cancel", timeout=120)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelling"
    assert playground.wait(going)["status"] == "cancelled"
