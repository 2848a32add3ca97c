"""The whole playground, as a person runs it: its start-up, the peak memory of a 10,000-request
run, the run's event stream, and the run's page in Chromium (a finished run, and one streaming).
"""

from __future__ import annotations

import statistics
from typing import Any

from bench import page, stream
from bench.report import Measure, Row
from bench.servers import memory_kib, playground
from bench.sizes import Sizes

STREAM = "4 stream & page"
COST = "5 cost"
FRAME_BUDGET_MS = 16.0


def run_body(requests: int, delay_ms: int) -> dict[str, Any]:
    return {
        "scenario": "sleep",
        "variant": "async",
        "arrival": {"model": "burst", "requests": requests},
        "params": {"delay_ms": delay_ms},
    }


def measures(sizes: Sizes) -> list[Measure]:
    n = f"{sizes.page_requests:,}"
    return [
        (STREAM, "live stream: update events per second"),
        (STREAM, "live stream: rows per second"),
        (STREAM, "live stream: summary after the makespan"),
        (STREAM, f"replay of {n} rows: rows per second"),
        (STREAM, f"finished run of {n}: time to draw"),
        (STREAM, f"finished run of {n}: page load to drawn"),
        (STREAM, f"run of {n} streaming in: draw time p95"),
        (STREAM, f"run of {n} streaming in: frame interval p95"),
        (COST, f"run of {n}: peak memory of the playground"),
        (COST, "start-up to the lab answering"),
    ]


async def measure(sizes: Sizes) -> list[Row]:
    n = sizes.page_requests
    names = [measure for _, measure in measures(sizes)]
    startups: list[float] = []
    http_starts: list[float] = []
    for _ in range(sizes.startups - 1):
        async with playground() as server:
            startups.append(server.started_s)
            http_starts.append(server.http_s)
    async with playground() as server:
        startups.append(server.started_s)
        http_starts.append(server.http_s)
        idle = memory_kib(server.pid)
        run_id = await server.start_run(run_body(n, sizes.page_delay_ms))
        live = await stream.follow(server, run_id)
        run = await server.wait(run_id)
        peak = memory_kib(server.pid)
        replay = await stream.follow(server, run_id)
        async with page.Chromium() as browser:
            finished = await page.finished_run(
                browser, f"{server.url}/runs/{run_id}", n, sizes.redraws
            )
            streaming_id = await server.start_run(run_body(n, sizes.page_delay_ms))
            streaming = await page.live_run(browser, f"{server.url}/runs/{streaming_id}", 300)
            await server.wait(streaming_id)
    makespan = run["summary"]["makespan_s"]
    return [
        Row(
            STREAM,
            names[0],
            live.updates_per_s,
            "events/s",
            note=f"{live.updates} update frames over {live.last_s - live.first_s:.1f} s; "
            "the stream sends at most one every 50 ms by design",
        ),
        Row(
            STREAM,
            names[1],
            live.rows_per_s,
            "rows/s",
            note=f"{live.rows:,} rows, {live.bytes / 1e6:.1f} MB; a burst of {n:,} to "
            f"/s/sleep/async?delay_ms={sizes.page_delay_ms}, makespan {makespan:.2f} s",
        ),
        Row(
            STREAM,
            names[2],
            (live.summary_s - makespan) * 1000,
            "ms",
            note="from connecting to the stream, right after the run was started, to its summary "
            "event, less the run's makespan: the harness's start and end, the lanes' last "
            "samples, storing",
        ),
        Row(
            STREAM,
            names[3],
            replay.rows_per_s,
            "rows/s",
            note=f"the finished run's stream: {replay.bytes / 1e6:.1f} MB "
            f"in {replay.summary_s:.2f} s",
        ),
        Row(
            STREAM,
            names[4],
            finished.draw_ms,
            "ms",
            target=f"< {FRAME_BUDGET_MS:g} ms",
            met=finished.draw_ms < FRAME_BUDGET_MS,
            note=f"data-draw-ms of a full repaint of {finished.drawn:,} rows after a resize, "
            f"median of {sizes.redraws}",
        ),
        Row(
            STREAM,
            names[5],
            finished.first_full_draw_ms,
            "ms",
            note="from navigation start: page, event stream replay, first full draw",
        ),
        Row(
            STREAM,
            names[6],
            streaming.draw_p95_ms,
            "ms",
            target=f"< {FRAME_BUDGET_MS:g} ms",
            met=streaming.draw_p95_ms < FRAME_BUDGET_MS,
            note=f"{streaming.draws} draws over {streaming.streamed_s:.1f} s: median "
            f"{streaming.draw_p50_ms:.1f} ms, max {streaming.draw_max_ms:.1f} ms",
        ),
        Row(
            STREAM,
            names[7],
            streaming.frame_p95_ms,
            "ms",
            target="≤ 17 ms (60 Hz)",
            met=streaming.frame_p95_ms <= 17.0,
            note=f"requestAnimationFrame intervals: median {streaming.frame_p50_ms:.1f} ms, "
            f"max {streaming.frame_max_ms:.1f} ms; long tasks (> 50 ms): "
            f"{streaming.long_tasks}, longest {streaming.longest_task_ms:.0f} ms",
        ),
        Row(
            COST,
            names[8],
            peak["VmHWM"] / 1024,
            "MiB",
            note=f"VmHWM of the playground process, with an event-stream client; idle before the "
            f"run: {idle['VmRSS'] / 1024:.0f} MiB",
        ),
        Row(
            COST,
            names[9],
            statistics.median(startups) * 1000,
            "ms",
            note=f"launching `python -m playground` to GET /api/lab showing the lab's info; "
            f"median of {len(startups)}; its own HTTP answered after "
            f"{statistics.median(http_starts) * 1000:,.0f} ms",
        ),
    ]
