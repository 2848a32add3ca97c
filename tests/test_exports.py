"""Exports, each read back by a real consumer: Python's csv and json, an XML parser and
Chromium for the SVG, Chromium offline for the HTML, the Trace Event Format's rules for the
trace, and Locust itself for the locustfile, against a real lab.

Set EXPORTS_SCREENSHOTS=DIR to keep screenshots of the SVG and the HTML.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import shlex
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page

from playground.exports import FORMATS, RunExport
from playground.exports.palette import palette
from playground.exports.to_locust import PLACEHOLDER_HOST
from playground.exports.to_svg import MERGE_ABOVE, PLOT_HEIGHT
from playground.lane_display import counters
from playground.ports import free_port
from playground.scenarios import SCENARIOS
from playground.store import RunRecord
from tests.conftest import Playground, burst, max_overlap

CSV_HEADER = [
    "i",
    "sent_s",
    "arrived_s",
    "began_s",
    "ended_s",
    "received_s",
    "status_code",
    "error",
    "thread",
    "pid",
]
BLOCKING_REQUESTS = 10
SVG_NS = "{http://www.w3.org/2000/svg}"
LAB_START_S = 120  # generous: eight test runs may share two cores


@pytest.fixture(scope="module")
def blocking_run(playground: Playground) -> dict[str, Any]:
    """The pitfall: `time.sleep` in `async def`, one request in the handler at a time."""
    return playground.run(burst("async-blocking", BLOCKING_REQUESTS, delay_ms=60))


def download(playground: Playground, run_id: int, name: str) -> httpx.Response:
    response = playground.client.get(f"/api/runs/{run_id}/export/{name}")
    assert response.status_code == 200, response.text
    return response


def as_export(run: dict[str, Any], lanes: dict[str, list[dict[str, Any]]]) -> RunExport:
    """A run as the API returned it, back into the exports' input (to add lanes to it)."""
    fields = RunRecord.__dataclass_fields__
    return RunExport(
        record=RunRecord(**{name: run[name] for name in fields}),
        timeline=run["timeline"],
        bystander=run["bystander"],
        lanes=lanes,
    )


def screenshot(page: Page, name: str) -> None:
    if folder := os.environ.get("EXPORTS_SCREENSHOTS"):
        page.screenshot(path=str(Path(folder) / name), full_page=True)


COUNT_PIXELS = """([canvas, colours]) => {
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    const counts = {drawn: 0};
    for (const name of Object.keys(colours)) counts[name] = 0;
    for (let p = 0; p < data.length; p += 4) {
        const [r, g, b, a] = [data[p], data[p + 1], data[p + 2], data[p + 3]];
        if (a > 0 && !(r > 250 && g > 250 && b > 250)) counts.drawn += 1;
        for (const [name, [cr, cg, cb]] of Object.entries(colours)) {
            const near = Math.abs(r - cr) + Math.abs(g - cg) + Math.abs(b - cb) < 12;
            if (a > 200 && near) counts[name] += 1;
        }
    }
    return counts;
}"""


def _rgb(hex_colour: str) -> list[int]:
    return [int(hex_colour.lstrip("#")[k : k + 2], 16) for k in (0, 2, 4)]


PHASE_COLOURS = {name: _rgb(getattr(palette(), name)) for name in ("waiting", "running")}
"""static/app.css's light theme, which the exports take."""


# --- the route ---------------------------------------------------------------------------


def test_each_format_downloads_as_an_attachment_named_after_the_run(
    playground: Playground, blocking_run: dict[str, Any]
) -> None:
    run_id = blocking_run["id"]
    for name, export_format in FORMATS.items():
        response = download(playground, run_id, name)
        expected = f"run-{run_id}-sleep-async-blocking.{export_format.extension}"
        assert response.headers["content-disposition"] == f'attachment; filename="{expected}"'
        assert response.headers["content-type"].startswith(export_format.media_type.split(";")[0])
        assert response.content


def test_an_unknown_run_or_format_is_a_404_that_names_the_formats(
    playground: Playground, blocking_run: dict[str, Any]
) -> None:
    response = playground.client.get(f"/api/runs/{blocking_run['id']}/export/pdf")
    assert response.status_code == 404
    assert "pdf" in response.json()["detail"]
    for name in FORMATS:
        assert name in response.json()["detail"]
    response = playground.client.get("/api/runs/987654/export/csv")
    assert response.status_code == 404
    assert "no run 987654" in response.json()["detail"]


def test_a_run_still_going_is_refused_until_it_ends(playground: Playground) -> None:
    run_id = playground.start_run(burst("async", 1, delay_ms=2_000))
    response = playground.client.get(f"/api/runs/{run_id}/export/csv")
    assert response.status_code == 409
    assert "still running" in response.json()["detail"]
    playground.wait(run_id)
    assert len(download(playground, run_id, "csv").text.splitlines()) == 1 + 1


def test_the_run_page_has_an_export_menu_with_every_format(
    playground: Playground, blocking_run: dict[str, Any]
) -> None:
    run_id = blocking_run["id"]
    other = playground.run(burst("async", 2, delay_ms=20))["id"]
    for url in (f"/runs/{run_id}", f"/compare?runs={run_id}&runs={other}"):
        html = playground.client.get(url).text
        assert "<details" in html
        for name in FORMATS:
            assert f'href="/api/runs/{run_id}/export/{name}"' in html, (url, name)


# --- JSON and CSV ----------------------------------------------------------------------------


def test_json_carries_the_whole_run(playground: Playground, blocking_run: dict[str, Any]) -> None:
    body = download(playground, blocking_run["id"], "json").json()
    assert body["run"]["id"] == blocking_run["id"]
    assert body["settings"]["arrival"]["requests"] == BLOCKING_REQUESTS
    assert body["lab"]["settings"]["threadpool"] == playground.lab()["settings"]["threadpool"]
    assert body["lab"]["info"]["cores"] >= 1
    assert body["prediction"] == blocking_run["prediction"]
    assert body["summary"] == blocking_run["summary"]
    assert body["timeline"] == blocking_run["timeline"]
    assert body["bystander"] == blocking_run["bystander"]


def test_csv_has_the_header_and_one_row_per_request(
    playground: Playground, blocking_run: dict[str, Any]
) -> None:
    text = download(playground, blocking_run["id"], "csv").text
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)
    assert reader.fieldnames == CSV_HEADER
    assert len(rows) == BLOCKING_REQUESTS
    assert [int(row["i"]) for row in rows] == list(range(BLOCKING_REQUESTS))
    for row, measured in zip(rows, blocking_run["timeline"], strict=True):
        assert row["status_code"] == "200"
        assert row["error"] == ""
        assert float(row["sent_s"]) <= float(row["began_s"]) < float(row["ended_s"])
        assert float(row["ended_s"]) <= float(row["received_s"])
        assert float(row["began_s"]) == pytest.approx(measured["began_s"], abs=1e-6)
        assert int(row["pid"]) == measured["pid"]
        assert row["arrived_s"] == "" or float(row["arrived_s"]) <= float(row["began_s"])


# --- SVG -----------------------------------------------------------------------------------


def test_svg_is_xml_with_a_bar_per_phase_and_renders_in_chromium(
    playground: Playground, blocking_run: dict[str, Any], browser: Browser
) -> None:
    svg = download(playground, blocking_run["id"], "svg").content
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    groups = {g.get("fill"): g for g in root.iter(f"{SVG_NS}g")}
    colours = {name: "#{:02x}{:02x}{:02x}".format(*rgb) for name, rgb in PHASE_COLOURS.items()}
    for colour in colours.values():
        assert len(groups[colour].findall(f"{SVG_NS}rect")) == BLOCKING_REQUESTS
    words = " ".join(text.text or "" for text in root.iter(f"{SVG_NS}text"))
    for expected in ("async-blocking", "delay_ms = 60", "makespan", "p99", "waiting", "predicted"):
        assert expected in words
    assert root.find(f"{SVG_NS}polyline") is not None  # the bystander's latency

    page = browser.new_page(viewport={"width": 1240, "height": 900})
    source = "data:image/svg+xml;base64," + base64.b64encode(svg).decode()
    page.set_content(f'<body style="margin:0"><img id="svg" src="{source}"></body>')
    page.wait_for_function("document.getElementById('svg').complete")
    screenshot(page, "export-svg.png")
    page.evaluate(
        """() => {
            const img = document.getElementById("svg");
            const canvas = document.createElement("canvas");
            canvas.id = "drawn";
            canvas.width = img.naturalWidth;
            canvas.height = img.naturalHeight;
            canvas.getContext("2d").drawImage(img, 0, 0);
            document.body.append(canvas);
        }"""
    )
    counts = page.evaluate(COUNT_PIXELS, [page.query_selector("#drawn"), PHASE_COLOURS])
    page.close()
    assert counts["running"] > 1_000  # ten bars of 60 ms on a ~0.6 s axis
    assert counts["waiting"] > 1_000  # the requests queued behind the blocked loop
    assert counts["drawn"] > counts["running"] + counts["waiting"]  # text, axis, strip


def test_svg_of_ten_thousand_rows_merges_bars_that_share_a_pixel_row(
    blocking_run: dict[str, Any],
) -> None:
    rows = [
        {**blocking_run["timeline"][n % BLOCKING_REQUESTS], "i": n} for n in range(MERGE_ABOVE * 5)
    ]
    big = replace(as_export(blocking_run, {}), timeline=rows)
    root = ET.fromstring(FORMATS["svg"].render(big))
    rects = sum(len(g.findall(f"{SVG_NS}rect")) for g in root.iter(f"{SVG_NS}g"))
    # One per bar would be 4 per row (waiting, handler, the way back): 40,000.
    assert rects <= 4 * PLOT_HEIGHT * BLOCKING_REQUESTS


# --- HTML ----------------------------------------------------------------------------------


def test_html_draws_the_run_offline_without_a_single_request(
    playground: Playground, blocking_run: dict[str, Any], browser: Browser, tmp_path: Path
) -> None:
    path = tmp_path / "run.html"
    path.write_bytes(download(playground, blocking_run["id"], "html").content)
    url = path.as_uri()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    requested: list[str] = []
    errors: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    # The network is cut: everything but the file itself is refused.
    context.route(
        "**/*",
        lambda route: route.continue_() if route.request.url == url else route.abort(),
    )
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(url)
    page.wait_for_function("document.body.dataset.drawnRows !== undefined")
    screenshot(page, "export-html.png")
    assert page.get_attribute("body", "data-drawn-rows") == str(BLOCKING_REQUESTS)
    timeline = page.evaluate(COUNT_PIXELS, [page.query_selector("#timeline"), PHASE_COLOURS])
    bystander = page.evaluate(COUNT_PIXELS, [page.query_selector("#bystander"), {}])
    source = page.inner_text("pre")
    numbers = page.inner_text(".numbers")
    context.close()
    assert errors == []
    assert requested == [url]
    assert timeline["running"] > 500
    assert timeline["waiting"] > 500
    assert bystander["drawn"] > 100
    assert source == SCENARIOS["sleep"].variants_by_id["async-blocking"].source()
    assert "makespan" in numbers


def test_html_svg_and_trace_carry_the_labs_lanes_worded_as_on_the_page(
    blocking_run: dict[str, Any], browser: Browser
) -> None:
    pid = blocking_run["timeline"][0]["pid"]
    every = [n / 10 for n in range(1, 8)]
    lanes = {
        "loop_lag_ms": [{"at_s": n / 50, "value": 60.0 * (n % 3), "pid": pid} for n in range(30)],
        "cpu_percent": [{"at_s": at, "value": 40.0, "pid": pid} for at in every],
        "cpu_wait_percent": [{"at_s": at, "value": 30.0, "pid": pid} for at in every],
    }
    export = as_export(blocking_run, lanes)
    trace = json.loads(FORMATS["trace"].render(export))
    lag = [e for e in trace["traceEvents"] if e["name"] == "loop_lag_ms"]
    assert len(lag) == 30
    assert {e["ph"] for e in lag} == {"C"} and {e["pid"] for e in lag} == {pid}
    assert json.loads(FORMATS["json"].render(export))["lanes"] == lanes

    # The page's words for the run's own lab; the wait is a band in the CPU's strip.
    labels = {c.series: c.label for c in counters(blocking_run["lab"]["info"])}
    cores = blocking_run["lab"]["info"]["cores"]
    assert f"{cores} cores = {cores * 100}%" in labels["cpu_percent"]
    lane_colours = {
        name: _rgb(palette().variable(f"--c-lane-{name}")) for name in ("lag", "cpu", "wait")
    }
    page = browser.new_page()
    page.set_content(FORMATS["html"].render(export).decode())
    page.wait_for_function("document.body.dataset.drawnRows !== undefined")
    strips = page.eval_on_selector_all(
        ".lane", "lanes => lanes.map(l => [l.querySelector('canvas').dataset.lane, l.innerText])"
    )
    assert strips == [[name, labels[name]] for name in ("loop_lag_ms", "cpu_percent")]
    lag_pixels = page.evaluate(
        COUNT_PIXELS, [page.query_selector("canvas[data-lane=loop_lag_ms]"), lane_colours]
    )
    cpu_pixels = page.evaluate(
        COUNT_PIXELS, [page.query_selector("canvas[data-lane=cpu_percent]"), lane_colours]
    )
    page.close()
    assert lag_pixels["lag"] > 100 and lag_pixels["cpu"] == lag_pixels["wait"] == 0
    assert cpu_pixels["cpu"] > 100 and cpu_pixels["wait"] > 100 and cpu_pixels["lag"] == 0

    svg = ET.fromstring(FORMATS["svg"].render(export))
    words = [text.text for text in svg.iter(f"{SVG_NS}text")]
    assert labels["loop_lag_ms"] in words and labels["cpu_percent"] in words
    assert "cpu_wait_percent" not in words
    shaded = [rect for rect in svg.iter(f"{SVG_NS}rect") if rect.get("fill-opacity")]
    (cpu,) = [rect for rect in shaded if rect.get("fill") == palette().variable("--c-lane-cpu")]
    (wait,) = [rect for rect in shaded if rect.get("fill") == palette().variable("--c-lane-wait")]
    # The readings, all alike, are one block over the windows they measured (the first from a
    # window before it), and the wait a band of the same width stacked on it: 40% under 30%.
    assert cpu.get("x") == wait.get("x") and cpu.get("width") == wait.get("width")
    cpu_height, wait_height = float(cpu.get("height", 0)), float(wait.get("height", 0))
    assert abs(float(wait.get("y", 0)) + wait_height - float(cpu.get("y", 0))) < 0.1
    assert abs(wait_height / cpu_height - 30 / 40) < 0.01


# --- Trace Event Format ----------------------------------------------------------------------


def check_trace_event_format(trace: dict[str, Any]) -> list[dict[str, Any]]:
    """The format's rules a viewer relies on; returns the events."""
    assert trace["displayTimeUnit"] == "ms"
    events: list[dict[str, Any]] = trace["traceEvents"]
    open_slices: dict[tuple[str, Any], list[tuple[str, float]]] = defaultdict(list)
    for event in events:
        for key in ("name", "ph", "ts", "pid", "tid"):
            assert key in event, (key, event)
        assert isinstance(event["ts"], int | float) and event["ts"] >= 0, event
        assert isinstance(event["pid"], int) and isinstance(event["tid"], int), event
        if event["ph"] == "M":
            assert event["name"] in ("process_name", "thread_name")
            assert isinstance(event["args"]["name"], str)
        elif event["ph"] == "C":
            assert event["args"]
            for value in event["args"].values():
                assert isinstance(value, int | float) and not isinstance(value, bool), event
        elif event["ph"] == "b":
            open_slices[event["cat"], event["id"]].append((event["name"], event["ts"]))
        elif event["ph"] == "e":
            stack = open_slices[event["cat"], event["id"]]
            assert stack, f"an end with no begin: {event}"
            name, began = stack.pop()
            assert name == event["name"], (name, event)
            assert event["ts"] >= began, event
    assert not any(open_slices.values()), "slices begun and never ended"
    return events


def slices(events: list[dict[str, Any]], cat: str, name: str) -> list[tuple[float, float]]:
    begins = {
        (e["cat"], e["id"], e["name"]): e["ts"]
        for e in events
        if e["ph"] == "b" and e["cat"] == cat
    }
    return [
        (begins[e["cat"], e["id"], e["name"]], e["ts"])
        for e in events
        if e["ph"] == "e" and e["cat"] == cat and e["name"].startswith(name)
    ]


def test_trace_follows_the_trace_event_format_and_shows_the_loop_serialising(
    playground: Playground, blocking_run: dict[str, Any]
) -> None:
    events = check_trace_event_format(download(playground, blocking_run["id"], "trace").json())
    names = {(e["name"], e["args"]["name"]) for e in events if e["ph"] == "M"}
    assert any(kind == "process_name" and "harness" in name for kind, name in names)
    lab_pid = blocking_run["timeline"][0]["pid"]
    assert ("process_name", f"lab (uvicorn, pid {lab_pid})") in names
    for phase in ("request #", "waiting", "in handler", "way back"):
        assert len(slices(events, "request", phase)) == BLOCKING_REQUESTS, phase
    handlers = slices(events, "handler", "handler #")
    assert len(handlers) == BLOCKING_REQUESTS
    assert {e["pid"] for e in events if e.get("cat") == "handler"} == {lab_pid}
    assert max_overlap(handlers) == 1  # the blocked loop: one handler at a time
    latencies = [e for e in events if e["ph"] == "C" and e["name"] == "bystander latency"]
    assert len(latencies) == sum(p["latency_ms"] is not None for p in blocking_run["bystander"])


def test_trace_shows_the_parts_of_a_fan_out_inside_the_lab(playground: Playground) -> None:
    run = playground.run(
        {
            "scenario": "fan-out",
            "variant": "gather",
            "arrival": {"model": "burst", "requests": 4},
            "params": {"database_ms": 60, "cache_ms": 30, "api_ms": 90},
        }
    )
    events = check_trace_event_format(download(playground, run["id"], "trace").json())
    parts = [e for e in events if e.get("cat") == "part" and e["ph"] == "b"]
    assert len(parts) == sum(len(row["spans"]) for row in run["timeline"]) >= 4 * 3
    # gather: the three parts of one request overlap.
    ends = {e["id"]: e["ts"] for e in events if e.get("cat") == "part" and e["ph"] == "e"}
    first = [(e["ts"], ends[e["id"]]) for e in parts if e["id"].startswith("0.")]
    assert len(first) == 3
    assert max_overlap(first) == 3


# --- Locust ----------------------------------------------------------------------------------


@contextmanager
def open_lab() -> Iterator[str]:
    """A lab that serves anyone (today's entry point), on a free port; its URL."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "playground.lab", "--port", str(port)])
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + LAB_START_S
        while True:
            assert process.poll() is None, "the lab exited"
            try:
                if httpx.get(f"{url}/info", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"the lab did not start within {LAB_START_S} s"
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(15)


def run_locustfile(locustfile: str, folder: Path, lab_url: str) -> dict[str, int]:
    """Run the exported file with the command in its first line; Locust's own counts."""
    command = shlex.split(locustfile.splitlines()[0].removeprefix("# "))
    assert command[:2] == ["locust", "-f"] and "--headless" in command
    path = folder / command[2]
    path.write_text(locustfile)
    command[0] = str(Path(sys.executable).parent / "locust")
    command[command.index("--host") + 1] = lab_url
    subprocess.run(
        [*command, "--json-file", "stats", "--loglevel", "WARNING"],
        cwd=folder,
        check=True,
        timeout=120,
    )
    endpoints = json.loads((folder / "stats.json").read_text())
    return {
        "requests": sum(endpoint["num_requests"] for endpoint in endpoints),
        "failures": sum(endpoint["num_failures"] for endpoint in endpoints),
    }


@pytest.mark.parametrize(
    ("arrival", "requests"),
    [
        ({"model": "burst", "requests": 24, "concurrency": 6}, "exactly 24"),
        (
            {"model": "users", "users": 3, "think_min_s": 0.1, "think_max_s": 0.2, "duration_s": 2},
            "some",
        ),
        ({"model": "rate", "rate_rps": 10, "duration_s": 2}, "some"),
    ],
    ids=["burst", "users", "rate"],
)
def test_locustfile_puts_the_runs_load_on_a_real_lab(
    playground: Playground, tmp_path: Path, arrival: dict[str, Any], requests: str
) -> None:
    run = playground.run(
        {"scenario": "sleep", "variant": "async", "arrival": arrival, "params": {"delay_ms": 20}}
    )
    locustfile = download(playground, run["id"], "locust").text
    assert "/s/sleep/async?delay_ms=20" in locustfile
    with open_lab() as lab_url:
        stats = run_locustfile(locustfile, tmp_path, lab_url)
    assert stats["failures"] == 0
    if requests == "some":
        assert stats["requests"] > 0
    else:
        assert stats["requests"] == arrival["requests"]


def test_a_bursts_locustfile_refuses_to_run_distributed(
    blocking_run: dict[str, Any], tmp_path: Path
) -> None:
    """Each worker would count the burst's requests on its own and send them all."""
    locustfile = FORMATS["locust"].render(as_export(blocking_run, {})).decode()
    (tmp_path / "burst.py").write_text(locustfile)
    locust = str(Path(sys.executable).parent / "locust")
    master = subprocess.run(
        [locust, "-f", "burst.py", "--master", "--headless", "--expect-workers", "1",
         "--host", PLACEHOLDER_HOST],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert master.returncode != 0
    assert "run this file without --master, --worker or --processes" in master.stderr


def test_a_bursts_locustfile_opens_connections_as_the_run_did(
    blocking_run: dict[str, Any],
) -> None:
    """New: every request on a connection of its own, as the run sent them (the burst of
    `test_locustfile_puts_the_runs_load_on_a_real_lab` runs such a file in Locust, against a
    real lab); kept alive: each user keeps its own."""
    export = as_export(blocking_run, {})
    for connections, headers in (("new", "{'Connection': 'close'}"), ("kept-alive", "{}")):
        arrival = {**export.record.request["arrival"], "connections": connections}
        record = replace(export.record, request={**export.record.request, "arrival": arrival})
        locustfile = FORMATS["locust"].render(replace(export, record=record)).decode()
        assert f"HEADERS = {headers}" in locustfile
        assert "self.client.get(PATH, name=NAME, headers=HEADERS)" in locustfile


def test_locustfile_of_a_ramp_shapes_the_users_over_time(
    blocking_run: dict[str, Any], tmp_path: Path
) -> None:
    ramp = {
        "model": "ramp",
        "start_users": 1,
        "end_users": 4,
        "duration_s": 5,
        "think_min_s": 0.05,
        "think_max_s": 0.1,
    }
    export = as_export(blocking_run, {})
    record = replace(export.record, request={**export.record.request, "arrival": ramp})
    locustfile = FORMATS["locust"].render(replace(export, record=record)).decode()
    assert "LoadTestShape" in locustfile
    with open_lab() as lab_url:
        stats = run_locustfile(locustfile, tmp_path, lab_url)
    assert stats["failures"] == 0
    assert stats["requests"] > 0
