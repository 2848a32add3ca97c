"""One `AsyncSession` and `asyncio.gather`: each request looks up three users at once.

This scenario demonstrates:
- three queries gathered on ONE `AsyncSession` fail: a session is one unit of work on one
  connection, and SQLAlchemy refuses a second operation while the first is under way
  ("concurrent operations are not permitted"): every request answers with an error;
- one session per task, each from the `async_sessionmaker`, works: three connections, and
  the queries overlap, so a request takes one query's time;
- the three queries awaited one after another on one session work too, and take the sum.

It uses the database scenario's machinery: the same seeded SQLite file layout and the same
ORM engine with its waiting `sleep_ms` function, in a folder of its own. The engine opens a
connection for each session (`NullPool`), so a session's first query always has one to
open, the moment a second query on it is refused. (On a pooled, warm connection the
`aiosqlite` adapter may instead queue the second query behind the first, silently; other
drivers fail with errors of their own. Never share a session between tasks.)
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.pool import NullPool

from playground.lab.calibrate import cpu_ms
from playground.lab.timing import span
from playground.scenarios import database, models
from playground.scenarios.base import Param, Scenario, Variant
from playground.scenarios.database import User

USER_IDS = (1, 2, 3)
DEFAULT_REQUESTS = 10
"""The default burst: each request opens three connections, a thread each, and threads alive
at once cost each other, so a hundred would hide the queries behind the connections' CPU."""
Sessions = async_sessionmaker[AsyncSession]


async def gather_shared_session(
    query_ms: int, session: Annotated[AsyncSession, Depends(new_session)]
) -> dict[str, list[str]]:
    found = await asyncio.gather(
        *(name_of(session, user_id, query_ms) for user_id in USER_IDS),
        return_exceptions=True,  # wait for all three, so none is left running on the session
    )
    return {"users": names(found)}


async def gather_session_per_task(
    query_ms: int, sessions: Annotated[Sessions, Depends(session_maker)]
) -> dict[str, list[str]]:
    found = await asyncio.gather(
        *(name_in_own_session(sessions, user_id, query_ms) for user_id in USER_IDS),
        return_exceptions=True,
    )
    return {"users": names(found)}


async def sequential_shared_session(
    query_ms: int, session: Annotated[AsyncSession, Depends(new_session)]
) -> dict[str, list[str]]:
    return {"users": [await name_of(session, user_id, query_ms) for user_id in USER_IDS]}


async def name_of(session: AsyncSession, user_id: int, query_ms: int) -> str:
    with span(f"query {user_id}"):  # reports when this query began and ended
        statement = select(User).filter(User.id == user_id, func.sleep_ms(query_ms) == 0)
        return (await session.execute(statement)).scalar_one().name


async def name_in_own_session(sessions: Sessions, user_id: int, query_ms: int) -> str:
    async with sessions() as session:  # a session, and its connection, for this task alone
        return await name_of(session, user_id, query_ms)


def names(found: list[str | BaseException]) -> list[str]:
    """The three names; if a query failed, the request fails with SQLAlchemy's message."""
    for item in found:
        if isinstance(item, BaseException):
            raise HTTPException(500, f"{type(item).__name__}: {item}")
    return [item for item in found if isinstance(item, str)]


async def new_session(request: Request) -> AsyncIterator[AsyncSession]:
    sessions: Sessions = request.app.state.session_gather
    async with sessions() as session:
        yield session


async def session_maker(request: Request) -> Sessions:
    sessions: Sessions = request.app.state.session_gather
    return sessions


SHARED_MS = "session_gather_shared_ms"
PER_TASK_MS = "session_gather_per_task_ms"
SEQUENTIAL_MS = "session_gather_sequential_ms"


async def _time_variants(sessions: Sessions) -> dict[str, float]:
    """ms of the lab's CPU each variant's own work costs a request, with queries that do not
    wait: the sessions, the connections NullPool opens (a thread each), SQLAlchemy's ORM."""

    async def shared() -> None:
        # Refused: the lesson, and what every request of it pays.
        async with sessions() as session:
            with suppress(HTTPException):
                await gather_shared_session(0, session)

    async def per_task() -> None:
        await gather_session_per_task(0, sessions)

    async def sequential() -> None:
        async with sessions() as session:
            await sequential_shared_session(0, session)

    variants = {SHARED_MS: shared, PER_TASK_MS: per_task, SEQUENTIAL_MS: sequential}
    return {name: await cpu_ms(work, at_once=DEFAULT_REQUESTS) for name, work in variants.items()}


@asynccontextmanager
async def lab_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """A seeded SQLite file in a folder of its own, and an engine with a connection a session;
    each variant's CPU is timed on it."""
    folder = Path(tempfile.mkdtemp(prefix="playground-session-gather-"))
    path = folder / "users.sqlite3"
    database._seed(path)
    engine = database._orm_engine(path, poolclass=NullPool)
    try:
        sessions = async_sessionmaker(engine)
        app.state.calibration.update(await _time_variants(sessions))
        app.state.session_gather = sessions
        yield
    finally:
        await engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)


SHARED = models.Calibrated(SHARED_MS, "a session, its connection, one query refused")
PER_TASK = models.Calibrated(PER_TASK_MS, "three sessions, three connections")
SEQUENTIAL = models.Calibrated(SEQUENTIAL_MS, "a session, its connection, three queries")


_query_s = models.param_s("query_ms")


_three_queries_s = models.param_s("query_ms", times=len(USER_IDS))


SCENARIO = Scenario(
    id="session-gather",
    name="AsyncSession and gather",
    summary="Each request looks up three users with SQLAlchemy's `AsyncSession`.",
    params=(
        Param(
            "query_ms",
            "Query time",
            "ms",
            default=100,
            min=0,
            max=5_000,
            help="How long each of the three queries takes inside SQLite.",
        ),
    ),
    variants=(
        Variant(
            id="gather-shared-session",
            label="gather on one AsyncSession",
            endpoint=gather_shared_session,
            helpers=(name_of, names, new_session),
            status=500,
            explanation=(
                "The pitfall: three queries at once with `asyncio.gather`, all on the one "
                "`AsyncSession` the request got. A session is one unit of work on one "
                "connection, not safe for concurrent use: while the first query opens the "
                "connection, SQLAlchemy refuses the other two, and every request fails. "
                "The red bars are the lesson."
            ),
            model=models.unlimited(_query_s, loop=(SHARED,)),
            model_text="every request fails, after its first query (≈ 1 × query)",
        ),
        Variant(
            id="gather-session-per-task",
            label="gather, a session per task",
            endpoint=gather_session_per_task,
            helpers=(name_in_own_session, name_of, names, session_maker),
            explanation=(
                "The fix: each task takes its own session from the `async_sessionmaker`, and "
                "each session its own connection. The three queries overlap, so a request "
                "takes about one query's time, plus opening three connections."
            ),
            model=models.unlimited(_query_s, loop=(PER_TASK,)),
            model_text="ceil(N / C) × query: the three queries of a request overlap",
        ),
        Variant(
            id="sequential-shared-session",
            label="awaits in a row on one AsyncSession",
            endpoint=sequential_shared_session,
            helpers=(name_of, new_session),
            explanation=(
                "One session used the way it is meant to be: one query after another. It works "
                "and costs one connection a request, but a request takes the sum of its three "
                "queries. Requests still overlap with each other on the event loop."
            ),
            model=models.unlimited(_three_queries_s, loop=(SEQUENTIAL,)),
            model_text="ceil(N / C) × 3 × query",
        ),
    ),
    default_load={"model": "burst", "requests": DEFAULT_REQUESTS},
    lab_lifespan=lab_lifespan,
)
