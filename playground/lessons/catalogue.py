"""The guided lessons, in the order a class takes them.

Every step asks its question before the run and says what to notice after it; the texts name
pool sizes only through the lab's facts (`{threadpool}`, `{default_executor}`, `{processes}`,
`{cores}`), never as typed numbers, so they stay true when the lab is set up differently.
"""

from __future__ import annotations

from playground.lessons.base import Lesson, step


def burst(requests: int) -> dict[str, object]:
    return {"model": "burst", "requests": requests}


FAN_OUT = {"database_ms": 500, "cache_ms": 300, "api_ms": 700}

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        id="def-is-not-one-at-a-time",
        title="`def` is not one request at a time",
        summary="Tutorials say a plain `def` endpoint handles one request at a time. Measure it.",
        steps=(
            step(
                "40 requests hit a `def` endpoint that waits 500 ms each. How do they run?",
                scenario="sleep",
                variant="sync",
                arrival=burst(40),
                params={"delay_ms": 500},
                guess="shape",
                notice="FastAPI runs a `def` endpoint in a threadpool of {threadpool} threads, "
                "so up to {threadpool} requests are in the handler at once, not one. Look at "
                "'most in handler at once'.",
            ),
            step(
                "Now 100 requests, same endpoint. How long will the burst take?",
                scenario="sleep",
                variant="sync",
                arrival=burst(100),
                params={"delay_ms": 500},
                guess="makespan",
                notice="Waves: {threadpool} at a time, the rest wait (amber) for a free thread. "
                "The number of waves is the threadpool at work, not one at a time.",
            ),
        ),
    ),
    Lesson(
        id="blocking-in-async",
        title="A blocking call inside `async def`",
        summary="`async def` is only fast when everything inside it awaits.",
        steps=(
            step(
                "100 requests, `async def` with `await asyncio.sleep(0.1)`. How long?",
                scenario="sleep",
                variant="async",
                arrival=burst(100),
                params={"delay_ms": 100},
                guess="makespan",
                notice="About one delay for all of them: while a request awaits, the event loop "
                "serves the others. The bystander's ping stays fast.",
            ),
            step(
                "Same endpoint with `time.sleep(0.1)` inside `async def`. 20 requests. "
                "How do they run?",
                scenario="sleep",
                variant="async-blocking",
                arrival=burst(20),
                params={"delay_ms": 100},
                guess="shape",
                notice="One at a time: `time.sleep` holds the only event loop. Watch the "
                "bystander strip: even a trivial ping waits behind every request. This is worse "
                "than a plain `def`.",
            ),
        ),
    ),
    Lesson(
        id="the-fix",
        title="The fix: offload the blocking call",
        summary="When a blocking call must stay, move it off the event loop.",
        steps=(
            step(
                "`async def` + `await run_in_threadpool(time.sleep, 0.1)`, 100 requests. "
                "How do they run?",
                scenario="sleep",
                variant="async-offload",
                arrival=burst(100),
                params={"delay_ms": 100},
                guess="shape",
                notice="Like `def`: in waves of {threadpool}, on the same threadpool (the green "
                "parts), and the bystander stays fast because the loop is free.",
            ),
            step(
                "Or just write it as `def`. Same load: any difference?",
                scenario="sleep",
                variant="sync",
                arrival=burst(100),
                params={"delay_ms": 100},
                guess="makespan",
                notice="The same waves: FastAPI does the offloading for a `def` endpoint. Choose "
                "`def` when the body blocks, `async def` when everything in it awaits.",
            ),
        ),
    ),
    Lesson(
        id="shared-connection",
        title="One shared database connection",
        summary="An async driver does not make queries parallel if they share one connection.",
        steps=(
            step(
                "100 requests, each opening its own aiosqlite connection for a 100 ms query. "
                "How long?",
                scenario="database",
                variant="async",
                arrival=burst(100),
                params={"query_ms": 100},
                guess="makespan",
                notice="The queries overlap: each connection has a worker thread of its own. "
                "Opening a hundred connections at once is not free, though.",
            ),
            step(
                "Now 20 requests share ONE aiosqlite connection. How do they run?",
                scenario="database",
                variant="async-shared",
                arrival=burst(20),
                params={"query_ms": 100},
                guess="shape",
                notice="One at a time: a connection runs one query at a time, whatever the "
                "driver. The loop stays free (the bystander is fine) but the queries queue. "
                "Use a connection per request, or a pool.",
            ),
        ),
    ),
    Lesson(
        id="client-per-request",
        title="A client built per request",
        summary="Creating an `httpx.AsyncClient` per request costs CPU on the event loop.",
        steps=(
            step(
                "100 requests call an upstream (100 ms) through ONE shared AsyncClient. How long?",
                scenario="external-api",
                variant="async",
                arrival=burst(100),
                params={"latency_ms": 100},
                guess="makespan",
                notice="About one upstream latency, plus the lab's own cost per request.",
            ),
            step(
                "Same, but each request builds its own AsyncClient. How long?",
                scenario="external-api",
                variant="async-new-client",
                arrival=burst(100),
                params={"latency_ms": 100},
                guess="makespan",
                notice="Building a client loads TLS certificates on the event loop, about "
                "{async_client_build_ms:.0f} ms of CPU each here, one client at a time: the "
                "loop is busy and the bystander waits. Share one client, opened in the lifespan.",
            ),
        ),
    ),
    Lesson(
        id="gather-vs-sequential",
        title="`gather` vs awaits in a row",
        summary="`async` is only faster when the code asks for things together.",
        steps=(
            step(
                "One request awaits a database (500 ms), a cache (300 ms) and an API (700 ms), "
                "one after another. 10 such requests: how long?",
                scenario="fan-out",
                variant="sequential",
                arrival=burst(10),
                params=FAN_OUT,
                guess="makespan",
                notice="The sum: each await waits for the one before. Look at the parts inside "
                "each bar.",
            ),
            step(
                "The same three calls with `asyncio.gather`. How long?",
                scenario="fan-out",
                variant="gather",
                arrival=burst(10),
                params=FAN_OUT,
                guess="makespan",
                notice="The slowest part decides: the three waits overlap inside each request.",
            ),
        ),
    ),
    Lesson(
        id="the-gil",
        title="CPU work: threads take turns, processes don't",
        summary="Offloading helps waiting, not computing, unless it goes to other processes.",
        steps=(
            step(
                "20 requests each compute 100 ms of pure Python in a `def` endpoint "
                "({threadpool} threads). How long?",
                scenario="cpu",
                variant="sync",
                arrival=burst(20),
                params={"work_ms": 100},
                guess="makespan",
                notice="About 20 × the work: the threads overlap on the timeline, but the GIL "
                "lets one of them compute at a time.",
            ),
            step(
                "Now `asyncio.to_thread` inside `async def`. Faster?",
                scenario="cpu",
                variant="async-offload-thread",
                arrival=burst(20),
                params={"work_ms": 100},
                guess="makespan",
                notice="No: the same GIL. The loop is free, so the bystander is answered, slowly.",
            ),
            step(
                "Now a process pool of {processes} processes on {cores} cores. How long?",
                scenario="cpu",
                variant="async-offload-process",
                arrival=burst(20),
                params={"work_ms": 100},
                guess="makespan",
                notice="Each process has its own GIL: the work runs in parallel, up to the "
                "{cores} cores.",
            ),
        ),
    ),
    Lesson(
        id="three-pools",
        title="Three pools, not one",
        summary="anyio's threadpool, asyncio's default executor and a process pool are "
        "different pools with different sizes.",
        steps=(
            step(
                "`run_in_threadpool` (anyio's threadpool, {threadpool} threads): 100 waits of "
                "100 ms. How do they run?",
                scenario="sleep",
                variant="async-offload",
                arrival=burst(100),
                params={"delay_ms": 100},
                guess="shape",
                notice="Waves of {threadpool}: the worker-thread parts never overlap more "
                "than {threadpool} deep.",
            ),
            step(
                "`loop.run_in_executor(None, ...)` uses asyncio's default executor "
                "({default_executor} threads here, not {threadpool}). 40 file writes: how long?",
                scenario="file-io",
                variant="async-offload",
                arrival=burst(40),
                params={"size_kb": 1024},
                guess="makespan",
                notice="The default executor is min(32, cores + 4) = {default_executor} threads. "
                "Same-looking code, a different pool. For local writes it hardly matters: "
                "they copy into memory, and every writer shares one memory bus.",
            ),
            step(
                "A process pool of {processes} processes: 20 CPU jobs. How do they run?",
                scenario="cpu",
                variant="async-offload-process",
                arrival=burst(20),
                params={"work_ms": 100},
                guess="shape",
                notice="{processes} at a time (never more than the {cores} cores): the process "
                "parts come in waves.",
            ),
        ),
    ),
    Lesson(
        id="sync-dependency",
        title="Sync dependencies take threadpool tokens",
        summary="An `async def` endpoint with a `def` dependency queues for the threadpool.",
        steps=(
            step(
                "100 requests to an `async def` endpoint whose dependency is a plain `def` "
                "(a 100 ms blocking lookup). How do they run?",
                scenario="dependency",
                variant="sync-dependency",
                arrival=burst(100),
                params={"lookup_ms": 100},
                guess="shape",
                notice="In waves of {threadpool}: FastAPI runs a `def` dependency in the "
                "threadpool, so this 'async' endpoint queues for threads. The lookup parts run "
                "on worker threads, before the handler begins.",
            ),
            step(
                "The same lookup written as an `async def` dependency that awaits. How now?",
                scenario="dependency",
                variant="async-dependency",
                arrival=burst(100),
                params={"lookup_ms": 100},
                guess="shape",
                notice="All at once: every part of the request stays on the event loop.",
            ),
            step(
                "A `def` dependency that returns at once, and the lookup awaited. How now?",
                scenario="dependency",
                variant="trivial-sync-dependency",
                arrival=burst(100),
                params={"lookup_ms": 100},
                guess="shape",
                notice="All at once: the hop to a thread and back is cheap and gives the thread "
                "back at once. It only hurts when the {threadpool} threads are all busy.",
            ),
        ),
    ),
    Lesson(
        id="shared-async-session",
        title="One `AsyncSession` shared by `asyncio.gather`",
        summary="An AsyncSession is not safe for concurrent use: SQLAlchemy refuses it.",
        steps=(
            step(
                "Each request runs three 100 ms queries with `asyncio.gather` on ONE "
                "AsyncSession. What happens?",
                scenario="session-gather",
                variant="gather-shared-session",
                arrival=burst(10),
                params={"query_ms": 100},
                guess="shape",
                notice="Errors: SQLAlchemy refuses concurrent operations on one session. The "
                "red bars are the lesson; their message is SQLAlchemy's.",
            ),
            step(
                "One session per task, from the `async_sessionmaker`. How long for 10 requests?",
                scenario="session-gather",
                variant="gather-session-per-task",
                arrival=burst(10),
                params={"query_ms": 100},
                guess="makespan",
                notice="It works, and the three queries of a request overlap: each session has "
                "its own connection.",
            ),
            step(
                "Or one session, the three queries awaited one after another. How long?",
                scenario="session-gather",
                variant="sequential-shared-session",
                arrival=burst(10),
                params={"query_ms": 100},
                guess="makespan",
                notice="It works too, and takes the sum of the three queries: a session is "
                "meant to be used by one task, one operation at a time.",
            ),
        ),
    ),
)
