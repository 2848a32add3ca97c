"""Database: each request runs one query that takes `query_ms` inside SQLite itself.

This scenario demonstrates:
- `def` + `sqlite3` waits in FastAPI's threadpool: queries overlap, a pool's width at a time;
- `async def` + `aiosqlite`, a connection per request: every query waits at once, each on
  the thread its connection owns;
- one shared `aiosqlite` connection runs every query on its one thread, one at a time: the
  pitfall of opening one connection at start-up and sharing it;
- SQLAlchemy's `AsyncSession` is as wide as its engine's pool: `POOL_SIZE` connections plus
  `MAX_OVERFLOW` lent under load;
- `sqlite3` inside `async def` blocks the event loop for the whole query.

The database is a real SQLite file in a folder the lab makes, seeded with users. The query's
time is spent inside SQLite by a registered SQL function that waits, `sleep_ms(ms)`, as a
slow query would spend it there.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import aiosqlite
from fastapi import Depends, FastAPI, Request
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from playground.lab.calibrate import cpu_ms
from playground.scenarios import models
from playground.scenarios.base import Param, Scenario, Variant

USERS = 5_000
USER_ID = 42
QUERY = "SELECT name FROM users WHERE id = ? AND sleep_ms(?) = 0"
# SQLAlchemy's own defaults for this engine, written out so the model can name them.
POOL_SIZE, MAX_OVERFLOW = 5, 10
POOL_WIDTH = POOL_SIZE + MAX_OVERFLOW
"""The most connections the engine lends at once (per lab worker): the ORM's queries' width."""


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


def sync(query_ms: int, path: Annotated[Path, Depends(database_path)]) -> dict[str, str]:
    with closing(connect(path)) as db:
        (name,) = db.execute(QUERY, (USER_ID, query_ms)).fetchone()
    return {"user": name}


async def async_(query_ms: int, path: Annotated[Path, Depends(database_path)]) -> dict[str, str]:
    async with aiosqlite.connect(path) as db:  # a connection, and its thread, per request
        await db.create_function("sleep_ms", 1, sleep_ms)
        async with db.execute(QUERY, (USER_ID, query_ms)) as cursor:
            (name,) = await cursor.fetchone()  # type: ignore[misc]
    return {"user": name}


async def async_shared(
    query_ms: int, db: Annotated[aiosqlite.Connection, Depends(shared_connection)]
) -> dict[str, str]:
    async with db.execute(QUERY, (USER_ID, query_ms)) as cursor:
        (name,) = await cursor.fetchone()  # type: ignore[misc]
    return {"user": name}


async def async_orm(
    query_ms: int, session: Annotated[AsyncSession, Depends(orm_session)]
) -> dict[str, str]:
    statement = select(User).filter(User.id == USER_ID, func.sleep_ms(query_ms) == 0)
    user = (await session.execute(statement)).scalar_one()
    return {"user": user.name}


async def async_blocking(
    query_ms: int, path: Annotated[Path, Depends(database_path)]
) -> dict[str, str]:
    with closing(connect(path)) as db:  # sqlite3 blocks the event loop for the whole query
        (name,) = db.execute(QUERY, (USER_ID, query_ms)).fetchone()
    return {"user": name}


def connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, check_same_thread=False)
    db.create_function("sleep_ms", 1, sleep_ms)
    return db


def sleep_ms(ms: int) -> int:
    """The slow part of the query, spent inside SQLite: a registered SQL function."""
    time.sleep(ms / 1000)
    return 0


async def database_path(request: Request) -> Path:
    database: LabDatabase = request.app.state.database
    return database.path


async def shared_connection(request: Request) -> aiosqlite.Connection:
    database: LabDatabase = request.app.state.database
    return database.shared


async def orm_session(request: Request) -> AsyncIterator[AsyncSession]:
    database: LabDatabase = request.app.state.database
    async with database.sessions() as session:
        yield session


@dataclass(frozen=True)
class LabDatabase:
    """The scenario's part of the lab: the file, one shared connection, the ORM's sessions."""

    path: Path
    shared: aiosqlite.Connection
    sessions: async_sessionmaker[AsyncSession]


def _seed(path: Path) -> None:
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        db.executemany(
            "INSERT INTO users (id, name) VALUES (?, ?)",
            ((i, f"user {i}") for i in range(1, USERS + 1)),
        )


def _orm_engine(path: Path, **pool: Any) -> AsyncEngine:
    """The ORM's engine on `path`, with `sleep_ms` in every connection; `pool`: its sizes,
    SQLAlchemy's defaults unless given (another scenario's engine may want others)."""
    engine = create_async_engine(
        f"sqlite+aiosqlite:///{path}",
        **(pool or {"pool_size": POOL_SIZE, "max_overflow": MAX_OVERFLOW}),
    )

    @event.listens_for(engine.sync_engine, "connect")
    def register(connection: object, record: object) -> None:
        connection.create_function("sleep_ms", 1, sleep_ms)  # type: ignore[attr-defined]

    return engine


CONNECTION_MS = "aiosqlite_connection_ms"
ORM_MS = "orm_session_ms"


async def _time_variants(
    path: Path, sessions: async_sessionmaker[AsyncSession]
) -> dict[str, float]:
    """ms of the lab's CPU for what `async_` and `async_orm` add per request around a query
    that does not wait. `async_`: a thread started, a connect, the function registered, the
    hops there and back, the close. `async_orm`: a session, a connection from the pool, the
    ORM building the query and the `User` it answers."""

    async def connection() -> None:
        await async_(0, path)

    async def orm() -> None:
        async with sessions() as session:
            await async_orm(0, session)

    return {
        CONNECTION_MS: await cpu_ms(connection),
        ORM_MS: await cpu_ms(orm),
    }


@asynccontextmanager
async def lab_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """A seeded SQLite file in the lab's own folder, one shared connection, an ORM engine;
    a connection per request and an ORM session are timed on them."""
    folder = Path(tempfile.mkdtemp(prefix="playground-database-"))
    path = folder / "users.sqlite3"
    _seed(path)
    engine = _orm_engine(path)
    try:
        sessions = async_sessionmaker(engine)
        app.state.calibration.update(await _time_variants(path, sessions))
        async with aiosqlite.connect(path) as shared:
            await shared.create_function("sleep_ms", 1, sleep_ms)
            app.state.database = LabDatabase(path, shared, sessions)
            yield
    finally:
        await engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)


AIOSQLITE_CONNECTION = models.Calibrated(CONNECTION_MS, "aiosqlite connection")
ORM_SESSION = models.Calibrated(ORM_MS, "AsyncSession and ORM query")


_query_s = models.param_s("query_ms")


SCENARIO = Scenario(
    id="database",
    name="Database query",
    summary="Each request runs one query on a real SQLite database the lab owns.",
    params=(
        Param(
            "query_ms",
            "Query time",
            "ms",
            default=100,
            min=0,
            max=5_000,
            help="How long the query takes inside SQLite.",
        ),
    ),
    variants=(
        Variant(
            id="sync",
            label="def + sqlite3",
            endpoint=sync,
            helpers=(connect, sleep_ms),
            explanation=(
                "A `def` endpoint with the plain `sqlite3` driver runs in FastAPI's threadpool: "
                "{threadpool} queries wait side by side, and the event loop stays free. For a "
                "blocking driver this is the right way to write it, not a slow one."
            ),
            model=models.threadpool(_query_s),
            model_text="ceil(N / min(C, threadpool = {threadpool})) × query",
        ),
        Variant(
            id="async",
            label="async def + aiosqlite",
            endpoint=async_,
            helpers=(sleep_ms,),
            explanation=(
                "`aiosqlite` gives each connection a thread of its own and awaits it, so with a "
                "connection per request every query waits at once and the loop serves others "
                "meanwhile. A connection per request costs a thread and a connect each time, "
                "which shows when many open at once."
            ),
            model=models.unlimited(_query_s, loop=(AIOSQLITE_CONNECTION,)),
            model_text="ceil(N / C) × query, each after its connection's thread has started",
        ),
        Variant(
            id="async-shared",
            label="async def + one shared aiosqlite connection",
            endpoint=async_shared,
            helpers=(shared_connection,),
            explanation=(
                "The pitfall: one `aiosqlite` connection opened at start-up and shared by every "
                "request. It runs its queries on its one thread, one after another, so `async` "
                "buys nothing: like one waiter for the whole restaurant who may carry one plate. "
                "Watch the ends: each request's next step queues behind every other query, so "
                "they may all finish together, at the very end."
            ),
            model=models.per_worker(1, "shared connection", _query_s),
            model_text="ceil(N / workers) × query: one connection per lab worker",
        ),
        Variant(
            id="async-orm",
            label="async def + SQLAlchemy AsyncSession",
            endpoint=async_orm,
            helpers=(orm_session,),
            explanation=(
                "The shape tutorials teach: an `AsyncSession` per request over `sqlite+aiosqlite`. "
                f"Its engine keeps a pool of {POOL_SIZE} connections and lends {MAX_OVERFLOW} "
                f"more under load; once {POOL_WIDTH} are out, the next request waits for a "
                f"connection, so the timeline shows waves of {POOL_WIDTH}."
            ),
            model=models.per_worker(POOL_WIDTH, "pooled connection", _query_s, loop=(ORM_SESSION,)),
            model_text=f"ceil(N / min(C, pool_size + max_overflow = {POOL_WIDTH})) × query",
        ),
        Variant(
            id="async-blocking",
            label="async def + sqlite3",
            endpoint=async_blocking,
            helpers=(connect, sleep_ms),
            explanation=(
                "The plain `sqlite3` driver inside `async def` blocks the event loop for the "
                "whole query: requests go one at a time and even the bystander's ping waits. "
                "Worse than the `def` version of the very same code."
            ),
            model=models.event_loops(_query_s),
            model_text="ceil(N / workers) × query: one event loop per lab worker",
        ),
    ),
    lab_lifespan=lab_lifespan,
)
