"""`playground export RUN_ID --format F [-o FILE]`: a stored run as the file the page's Export
menu gives, named as its download is (`run-3-sleep-async.csv`); `-o -` writes to stdout."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from playground.commands.parser import BAD_INPUT, FAILED, OK, BadInput, Parser, add_db, say
from playground.store import RunStore, StoreUnusable

PROG = "playground export"
STDOUT = "-"


def build_parser() -> Parser:
    from playground.exports import FORMATS

    parser = Parser(prog=PROG, description="Write a stored run as a file.")
    parser.add_argument("run_id", type=int, metavar="RUN_ID", help="as `playground runs` lists it")
    parser.add_argument(
        "--format",
        required=True,
        metavar="F",
        help="; ".join(f"{f.name}: {f.label.partition(': ')[2]}" for f in FORMATS.values()),
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="where to write it (default: the download's name, here; - for stdout)",
    )
    add_db(parser)
    return parser


async def _render(db_path: Path, run_id: int, format_name: str) -> tuple[str, bytes]:
    """(the file's name, its bytes); raises BadInput."""
    from playground.bounds import MAX_RUN_ID
    from playground.exports import FORMATS, NoLocustEquivalent, StillRunning, load_export
    from playground.runs import RunNotFound

    export_format = FORMATS[format_name]
    if not 1 <= run_id <= MAX_RUN_ID:
        raise BadInput(str(RunNotFound(run_id)))
    store = RunStore(db_path)
    await store.open()
    try:
        export = await load_export(store, run_id)
    except StillRunning as error:
        raise BadInput(str(error)) from None
    finally:
        await store.close()
    if export is None:
        raise BadInput(str(RunNotFound(run_id)))
    try:
        body = await asyncio.to_thread(export_format.render, export)
    except NoLocustEquivalent as error:
        raise BadInput(str(error)) from None
    return export_format.filename(export), body


def main(argv: list[str]) -> int:
    from playground.exports import FORMATS, unknown_format_message
    from playground.settings import default_db_path

    args = build_parser().parse_args(argv)
    db_path: Path = args.db or default_db_path()
    try:
        if args.format not in FORMATS:
            raise BadInput(unknown_format_message(args.format))
        if not db_path.exists():
            raise BadInput(f"there is no database at {db_path}")
        RunStore(db_path).check()
        name, body = asyncio.run(_render(db_path, args.run_id, args.format))
    except (BadInput, StoreUnusable) as error:
        say(PROG, str(error))
        return BAD_INPUT
    if args.output == STDOUT:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
        return OK
    path = Path(args.output or name)
    try:
        path.write_bytes(body)
    except OSError as error:
        say(PROG, f"cannot write {path}: {error.strerror}")
        return FAILED
    say(PROG, f"wrote {path} ({len(body):,} bytes)")
    return OK
