"""The run store: every run, its settings, per-request timings and bystander samples, in SQLite.

One door to the database: a `RunStore` opened in the app's lifespan, methods that return
dataclasses and rows, never cursors.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import aiosqlite

if TYPE_CHECKING:
    from playground.schemas import BystanderRow, LaneSample, RequestRow, Summary
else:  # TypedDicts are dicts; importing the schemas loads every scenario (FastAPI, SQLAlchemy),
    # a few seconds the CLI must not spend before it says the database is unusable.
    RequestRow = BystanderRow = LaneSample = dict

Status = Literal["running", "done", "failed", "cancelled", "interrupted"]
FINISHED: frozenset[Status] = frozenset({"done", "failed", "cancelled", "interrupted"})

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    scenario TEXT NOT NULL,
    variant TEXT NOT NULL,
    request TEXT NOT NULL,
    lab TEXT NOT NULL,
    prediction TEXT,
    status TEXT NOT NULL,
    error TEXT,
    summary TEXT,
    guess TEXT,
    title TEXT,
    note TEXT,
    series_id INTEGER REFERENCES series(id)
);
CREATE TABLE IF NOT EXISTS series (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    scenario TEXT NOT NULL,
    variants TEXT NOT NULL,
    status TEXT NOT NULL,
    error TEXT
);
CREATE TABLE IF NOT EXISTS requests (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    i INTEGER NOT NULL,
    sent_s REAL NOT NULL,
    arrived_s REAL,
    began_s REAL,
    ended_s REAL,
    received_s REAL,
    status_code INTEGER,
    error TEXT,
    thread TEXT,
    pid INTEGER,
    spans TEXT NOT NULL,
    PRIMARY KEY (run_id, i)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS bystander (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    at_s REAL NOT NULL,
    latency_ms REAL,
    error TEXT
);
CREATE INDEX IF NOT EXISTS bystander_by_run ON bystander (run_id, at_s);
CREATE TABLE IF NOT EXISTS lanes (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    lane TEXT NOT NULL,
    samples TEXT NOT NULL,
    PRIMARY KEY (run_id, lane)
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class RunRecord:
    id: int
    created_at: str
    scenario: str
    variant: str
    request: dict[str, Any]
    lab: dict[str, Any]
    """The lab's settings and what it reported of itself when the run started."""
    prediction: dict[str, Any] | None
    status: Status
    error: str | None
    summary: Summary | None
    guess: dict[str, Any] | None = None
    """What the learner guessed before the run (`schemas.Guess`), or None: no guess made."""
    title: str | None = None
    note: str | None = None
    series_id: int | None = None
    """The series (every variant of a scenario, one after another) the run was part of."""


@dataclass(frozen=True)
class RunsPage:
    """Runs newest first, and the id to list from for the next (older) page, if any."""

    runs: list[RunRecord]
    next_before: int | None


SeriesStatus = Literal["running", "done", "cancelled", "failed", "interrupted"]


@dataclass(frozen=True)
class SeriesRecord:
    """Every variant of a scenario run one after another with the same load and params."""

    id: int
    created_at: str
    scenario: str
    variants: list[str]
    status: SeriesStatus
    error: str | None
    run_ids: list[int]
    """Its runs so far, in the order they ran."""


def _record(row: aiosqlite.Row) -> RunRecord:
    return RunRecord(
        id=row["id"],
        created_at=row["created_at"],
        scenario=row["scenario"],
        variant=row["variant"],
        request=json.loads(row["request"]),
        lab=json.loads(row["lab"]),
        prediction=json.loads(row["prediction"]) if row["prediction"] else None,
        status=cast(Status, row["status"]),
        error=row["error"],
        summary=json.loads(row["summary"]) if row["summary"] else None,
        guess=json.loads(row["guess"]) if row["guess"] else None,
        title=row["title"],
        note=row["note"],
        series_id=row["series_id"],
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class StoreUnusable(Exception):
    """The database cannot be used; the message says why, in one line a person understands."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"cannot use database {path}: {reason}")
        self.path = path
        self.reason = reason


ADDED_COLUMNS: dict[tuple[str, str], str] = {
    ("requests", "arrived_s"): "REAL",
    ("runs", "guess"): "TEXT",
    ("runs", "title"): "TEXT",
    ("runs", "note"): "TEXT",
    ("runs", "series_id"): "INTEGER REFERENCES series(id)",
}
"""Columns added since the first release: `open` adds them to an older database, empty."""


async def _add_missing_columns(db: aiosqlite.Connection) -> None:
    for (table, column), kind in ADDED_COLUMNS.items():
        async with db.execute(f"PRAGMA table_info({table})") as cursor:
            columns = {row[1] for row in await cursor.fetchall()}
        if column not in columns:
            await db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")


def _missing_columns(db: sqlite3.Connection) -> list[str]:
    """`table.column`s the schema declares that the database's existing tables lack (and `open`
    would not add)."""
    wanted = sqlite3.connect(":memory:")
    try:
        wanted.executescript(SCHEMA)
        tables = [
            row[0] for row in wanted.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        missing = []
        for table in tables:
            have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
            if have:  # an absent table is created when the store opens
                need = [row[1] for row in wanted.execute(f"PRAGMA table_info({table})")]
                missing += [
                    f"{table}.{column}"
                    for column in need
                    if column not in have and (table, column) not in ADDED_COLUMNS
                ]
        return missing
    finally:
        wanted.close()


class RunStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: aiosqlite.Connection | None = None

    def check(self) -> None:
        """Raise `StoreUnusable` unless the database can be opened, read, and written to, with
        the schema's tables present or creatable; writes nothing, so a file it refuses is left
        exactly as it was. Synchronous: it runs before the server starts."""
        path = self.path
        if path.is_dir():
            raise StoreUnusable(path, "it is a folder, not a file")
        if not path.exists():
            folder = next(parent for parent in path.parents if parent.exists())
            if not folder.is_dir():
                raise StoreUnusable(path, f"{folder} is a file, not a folder")
            if not os.access(folder, os.W_OK | os.X_OK):
                raise StoreUnusable(path, f"cannot create it: the folder {folder} is read-only")
            return
        if not os.access(path, os.R_OK | os.W_OK):
            raise StoreUnusable(path, "the file is read-only (permission denied)")
        if not os.access(path.parent, os.W_OK | os.X_OK):
            raise StoreUnusable(path, f"its folder {path.parent} is read-only")
        try:
            db = sqlite3.connect(path.resolve().as_uri() + "?mode=rw", uri=True)
        except sqlite3.Error as error:
            raise StoreUnusable(path, str(error)) from None
        try:
            problems = [row[0] for row in db.execute("PRAGMA quick_check")]
            if problems != ["ok"]:
                raise StoreUnusable(path, f"it is damaged: {problems[0]}")
            missing = _missing_columns(db)
            if missing:
                raise StoreUnusable(
                    path, f"it is not a playground database (no {', '.join(missing)})"
                )
            db.execute("BEGIN IMMEDIATE")  # takes the write lock, writes nothing
            db.execute("ROLLBACK")
        except sqlite3.Error as error:
            raise StoreUnusable(path, str(error)) from None
        finally:
            db.close()

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = await aiosqlite.connect(self.path)
        try:
            db.row_factory = aiosqlite.Row
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA foreign_keys=ON")
            await db.executescript(SCHEMA)
            await _add_missing_columns(db)
            await db.commit()
        except BaseException:
            await db.close()  # its thread would keep the process alive
            raise
        self._db = db

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("the run store is not open")
        return self._db

    async def mark_interrupted(self) -> int:
        """Runs left `running` by a playground that stopped: they will never finish."""
        cursor = await self.db.execute(
            "UPDATE runs SET status = 'interrupted', "
            "error = 'the playground stopped while this run was in flight' "
            "WHERE status = 'running'"
        )
        await self.db.execute(
            "UPDATE series SET status = 'interrupted', "
            "error = 'the playground stopped while this series was going' "
            "WHERE status = 'running'"
        )
        await self.db.commit()
        return cursor.rowcount

    async def create_run(
        self,
        *,
        scenario: str,
        variant: str,
        request: dict[str, Any],
        lab: dict[str, Any],
        prediction: dict[str, Any] | None,
        series_id: int | None = None,
    ) -> int:
        """Store a new run as `running`. The request's `guess`, if any, goes to a column of its
        own: the settings stay what reruns and exports read."""
        settings = {key: value for key, value in request.items() if key != "guess"}
        guess = request.get("guess")
        cursor = await self.db.execute(
            "INSERT INTO runs (created_at, scenario, variant, request, lab, prediction, status, "
            "guess, series_id) VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?)",
            (
                _now(),
                scenario,
                variant,
                json.dumps(settings),
                json.dumps(lab),
                json.dumps(prediction) if prediction is not None else None,
                json.dumps(guess) if guess is not None else None,
                series_id,
            ),
        )
        await self.db.commit()
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def append_rows(self, run_id: int, rows: Sequence[RequestRow]) -> None:
        """Store rows of a run still going, so a killed playground keeps what it measured."""
        if rows:
            await self._insert_rows(run_id, rows)
            await self.db.commit()

    async def append_pings(self, run_id: int, pings: Sequence[BystanderRow]) -> None:
        if pings:
            await self._insert_pings(run_id, pings)
            await self.db.commit()

    async def finish_run(
        self,
        run_id: int,
        *,
        status: Status,
        error: str | None,
        summary: Summary | None,
        rows: Sequence[RequestRow] = (),
        bystander: Sequence[BystanderRow] = (),
        lanes: Mapping[str, Sequence[LaneSample]] | None = None,
    ) -> bool:
        """The end of a run, in one transaction: its last rows and pings (those not appended
        yet), status and summary. A run ends once: returns False if it had already ended."""
        cursor = await self.db.execute(
            "UPDATE runs SET status = ?, error = ?, summary = ? "
            "WHERE id = ? AND status = 'running'",
            (status, error, json.dumps(summary) if summary is not None else None, run_id),
        )
        if cursor.rowcount != 1:
            await self.db.rollback()
            return False
        await self._insert_rows(run_id, rows)
        await self._insert_pings(run_id, bystander)
        await self.db.executemany(
            "INSERT INTO lanes (run_id, lane, samples) VALUES (?, ?, ?)",
            [(run_id, lane, json.dumps(samples)) for lane, samples in (lanes or {}).items()],
        )
        await self.db.commit()
        return True

    async def _insert_rows(self, run_id: int, rows: Sequence[RequestRow]) -> None:
        await self.db.executemany(
            "INSERT INTO requests (run_id, i, sent_s, arrived_s, began_s, ended_s, received_s, "
            "status_code, error, thread, pid, spans) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    run_id,
                    row["i"],
                    row["sent_s"],
                    row.get("arrived_s"),
                    row["began_s"],
                    row["ended_s"],
                    row["received_s"],
                    row["status_code"],
                    row["error"],
                    row["thread"],
                    row["pid"],
                    json.dumps(row["spans"]),
                )
                for row in rows
            ],
        )

    async def _insert_pings(self, run_id: int, pings: Sequence[BystanderRow]) -> None:
        await self.db.executemany(
            "INSERT INTO bystander (run_id, at_s, latency_ms, error) VALUES (?, ?, ?, ?)",
            [(run_id, row["at_s"], row["latency_ms"], row["error"]) for row in pings],
        )

    async def get_run(self, run_id: int) -> RunRecord | None:
        async with self.db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)) as cursor:
            row = await cursor.fetchone()
        return _record(row) if row else None

    async def list_runs(self, limit: int = 50) -> list[RunRecord]:
        return (await self.page_of_runs(limit)).runs

    async def page_of_runs(self, limit: int = 50, before: int | None = None) -> RunsPage:
        """`limit` runs newest first, older than run `before` when given."""
        async with self.db.execute(
            "SELECT * FROM runs WHERE id < ? ORDER BY id DESC LIMIT ?",
            (before if before is not None else 2**63 - 1, limit + 1),
        ) as cursor:
            records = [_record(row) for row in await cursor.fetchall()]
        more = len(records) > limit
        return RunsPage(records[:limit], records[limit - 1].id if more else None)

    async def delete_run(self, run_id: int) -> bool:
        """Delete a run that has ended, with its rows; False if there is no such run. A run
        still `running` is left alone (`RunManager` refuses to delete it first)."""
        cursor = await self.db.execute(
            "DELETE FROM runs WHERE id = ? AND status != 'running'", (run_id,)
        )
        await self.db.commit()
        return cursor.rowcount == 1

    async def label_run(self, run_id: int, changes: Mapping[str, str | None]) -> RunRecord | None:
        """Set a run's `title` and/or `note` (None clears one); the run as it is now."""
        columns = [column for column in ("title", "note") if column in changes]
        if columns:
            assignments = ", ".join(f"{column} = ?" for column in columns)
            await self.db.execute(
                f"UPDATE runs SET {assignments} WHERE id = ?",
                (*(changes[column] for column in columns), run_id),
            )
            await self.db.commit()
        return await self.get_run(run_id)

    async def create_series(self, *, scenario: str, variants: Sequence[str]) -> int:
        cursor = await self.db.execute(
            "INSERT INTO series (created_at, scenario, variants, status) "
            "VALUES (?, ?, ?, 'running')",
            (_now(), scenario, json.dumps(list(variants))),
        )
        await self.db.commit()
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def finish_series(self, series_id: int, status: SeriesStatus, error: str | None) -> None:
        await self.db.execute(
            "UPDATE series SET status = ?, error = ? WHERE id = ? AND status = 'running'",
            (status, error, series_id),
        )
        await self.db.commit()

    async def get_series(self, series_id: int) -> SeriesRecord | None:
        async with self.db.execute("SELECT * FROM series WHERE id = ?", (series_id,)) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        async with self.db.execute(
            "SELECT id FROM runs WHERE series_id = ? ORDER BY id", (series_id,)
        ) as cursor:
            run_ids = [run["id"] for run in await cursor.fetchall()]
        return SeriesRecord(
            id=row["id"],
            created_at=row["created_at"],
            scenario=row["scenario"],
            variants=json.loads(row["variants"]),
            status=cast(SeriesStatus, row["status"]),
            error=row["error"],
            run_ids=run_ids,
        )

    async def timeline(self, run_id: int) -> list[RequestRow]:
        async with self.db.execute(
            "SELECT * FROM requests WHERE run_id = ? ORDER BY i", (run_id,)
        ) as cursor:
            return [
                RequestRow(
                    i=row["i"],
                    sent_s=row["sent_s"],
                    arrived_s=row["arrived_s"],
                    began_s=row["began_s"],
                    ended_s=row["ended_s"],
                    received_s=row["received_s"],
                    status_code=row["status_code"],
                    error=row["error"],
                    thread=row["thread"],
                    pid=row["pid"],
                    spans=json.loads(row["spans"]),
                )
                for row in await cursor.fetchall()
            ]

    async def bystander(self, run_id: int) -> list[BystanderRow]:
        async with self.db.execute(
            "SELECT at_s, latency_ms, error FROM bystander WHERE run_id = ? ORDER BY at_s",
            (run_id,),
        ) as cursor:
            return [
                BystanderRow(at_s=row["at_s"], latency_ms=row["latency_ms"], error=row["error"])
                for row in await cursor.fetchall()
            ]

    async def lanes(self, run_id: int) -> dict[str, list[LaneSample]]:
        """What the lab sampled during the run, lane by lane (`playground/lanes.py`)."""
        async with self.db.execute(
            "SELECT lane, samples FROM lanes WHERE run_id = ? ORDER BY lane", (run_id,)
        ) as cursor:
            return {row["lane"]: json.loads(row["samples"]) for row in await cursor.fetchall()}
