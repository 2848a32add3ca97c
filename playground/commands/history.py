"""`playground runs`: the stored runs, newest first, as the page's history lists them."""

from __future__ import annotations

import asyncio
from pathlib import Path

from playground.commands.parser import BAD_INPUT, OK, Parser, add_db, say
from playground.store import RunRecord, RunStore, StoreUnusable

PROG = "playground runs"
DEFAULT_LIMIT = 50


def build_parser() -> Parser:
    from playground.bounds import MAX_HISTORY

    parser = Parser(prog=PROG, description="List the stored runs, newest first.")
    parser.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_LIMIT,
        metavar="N",
        help=f"how many runs, 1..{MAX_HISTORY} (default {DEFAULT_LIMIT})",
    )
    add_db(parser)
    return parser


async def _list(db_path: Path, limit: int) -> list[RunRecord]:
    store = RunStore(db_path)
    await store.open()
    try:
        return await store.list_runs(limit)
    finally:
        await store.close()


def main(argv: list[str]) -> int:
    from rich.table import Table

    from playground.bounds import MAX_HISTORY
    from playground.commands.output import stdout_console
    from playground.settings import default_db_path

    args = build_parser().parse_args(argv)
    db_path: Path = args.db or default_db_path()
    if not 1 <= args.limit <= MAX_HISTORY:
        say(PROG, f"--limit must be within 1..{MAX_HISTORY}, not {args.limit:,}")
        return BAD_INPUT
    if not db_path.exists():
        say(PROG, f"no runs yet: there is no database at {db_path}")
        return OK
    try:
        RunStore(db_path).check()
    except StoreUnusable as error:
        say(PROG, str(error))
        return BAD_INPUT
    records = asyncio.run(_list(db_path, args.limit))
    table = Table("id", "created", "scenario", "variant", "status", "makespan")
    for record in records:
        makespan = record.summary["makespan_s"] if record.summary else None
        table.add_row(
            str(record.id),
            record.created_at.replace("T", " ")[:19],
            record.scenario,
            record.variant,
            record.status,
            "-" if makespan is None else f"{makespan:,.2f} s",
        )
    stdout_console().print(table)
    return OK
