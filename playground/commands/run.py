"""`playground run SCENARIO VARIANT`: a run from the terminal, with no web server.

It starts a lab of its own (`LabSupervisor`), fires the run through the web app's machinery
(`RunManager`, the run's state machine, a harness process), stores it in the same database
(so the page lists it afterwards), and prints its numbers: a table, or with `--json` the
run as the `json` export writes it. `--expect FIELD<NUMBER` turns it into a check for CI.

Exit codes: 0 the run ended `done` and every expectation held; 1 one did not (each failed
one is named on stderr with the measured value), or the run did not end `done`; 2 bad input,
refused before anything starts, with the API's own messages.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playground.commands.parser import (
    BAD_INPUT,
    FAILED,
    OK,
    BadInput,
    Parser,
    add_db,
    add_lab_settings,
    lab_settings,
    say,
)

PROG = "playground run"
INTERRUPTED = 130
"""As a shell reports a command stopped by Ctrl-C."""
LAB_START_TIMEOUT_S = 120.0
"""Longer than the web app's: a CI machine busy with the build may take a minute to import and
calibrate the lab, and a lab that dies instead is noticed at once, whatever this says."""


def build_parser() -> Parser:
    from playground.commands.expect import FIELDS
    from playground.commands.load_flags import add_load_flags

    parser = Parser(
        prog=PROG,
        description="Fire one run at a lab of its own, store it, and print its numbers.",
        epilog=f"Summary fields for --expect: {', '.join(FIELDS)}.",
    )
    parser.add_argument("scenario", help="sleep, hello, database, ... (GET /api/scenarios)")
    parser.add_argument("variant", help="sync, async, ... of that scenario")
    add_load_flags(parser)
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a parameter of the endpoint, like delay_ms=200; repeat for more",
    )
    add_lab_settings(parser)
    add_db(parser)
    parser.add_argument(
        "--json", action="store_true", help="print the whole run as the json export, not a table"
    )
    parser.add_argument(
        "--expect",
        action="append",
        default=[],
        metavar="EXPR",
        help='FIELD<NUMBER (or <=, >, >=, ==), like "makespan_s<1.5"; exit 1 if one fails',
    )
    return parser


def _params(pairs: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name:
            raise BadInput(f"--param takes NAME=VALUE, like delay_ms=200, not {pair!r}")
        try:
            params[name.strip()] = int(value)
        except ValueError:
            raise BadInput(f"--param {name}: {value!r} is not a whole number") from None
    return params


def _for_the_command_line(message: str) -> str:
    """An API message that names a knob (`arrival.requests: ...`) names its option instead."""
    from playground.commands.load_flags import NAMING, flag_for_field

    where, colon, rest = message.partition(": ")
    if not colon:
        return message
    if where == "arrival":
        return f"the load: {rest}"
    if where.startswith("arrival."):
        return f"{flag_for_field(where.removeprefix('arrival.')) or where}: {rest}"
    if where.startswith("params."):
        return f"--param {where.removeprefix('params.')}: {rest}"
    if where in NAMING:
        return rest
    return message


def run_request(args: argparse.Namespace) -> Any:
    """The same `RunRequest` the API validates, from the options; raises BadInput."""
    from pydantic import ValidationError

    from playground.commands.load_flags import arrival_from
    from playground.errors import validation_messages
    from playground.schemas import RunRequest

    try:
        arrival = arrival_from(args)
    except ValueError as error:
        raise BadInput(str(error)) from None
    body: dict[str, Any] = {
        "scenario": args.scenario,
        "variant": args.variant,
        "params": _params(args.param),
    }
    if arrival is not None:
        body["arrival"] = arrival
    try:
        return RunRequest.model_validate(body)
    except ValidationError as error:
        messages = validation_messages(error.errors(include_url=False))
        raise BadInput("; ".join(_for_the_command_line(m) for m in messages)) from None


@dataclass(frozen=True)
class Fired:
    run_id: int
    export: Any
    """`playground.exports.RunExport` of the stored run."""


async def fire(request: Any, settings: Any, db_path: Path, *, show_progress: bool) -> Fired:
    """Start a lab, fire `request` on it as the web app would, store it; stop everything."""
    from playground.commands.progress import progress
    from playground.exports import load_export
    from playground.runs import RunManager
    from playground.settings import Settings
    from playground.store import RunStore
    from playground.supervisor import LabSupervisor

    store = RunStore(db_path)
    await store.open()
    lab = LabSupervisor(settings, start_timeout_s=LAB_START_TIMEOUT_S)
    runs = RunManager(
        store,
        lab,
        request_timeout_s=Settings.request_timeout_s,
        deadline_s=Settings.run_deadline_s,
    )
    main = asyncio.current_task()
    assert main is not None
    # Ctrl-C and SIGTERM (a CI job's timeout, `kill`) end the run alike: stored, interrupted.
    # SIGINT is handled here, not left to asyncio.run, which ignores it in a process started
    # with SIGINT ignored (a script's background job), as uvicorn does not.
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, main.cancel)
    try:
        await lab.start()
        run = await runs.start(request)
        async with progress(run, enabled=show_progress):
            await run.finished.wait()
        export = await load_export(store, run.id)
        return Fired(run.id, export)
    finally:  # on Ctrl-C too: a run in flight is stopped and stored as interrupted
        await runs.close()
        await lab.stop()
        await store.close()


def print_table(export: Any, db_path: Path) -> None:
    from rich.table import Table

    from playground.commands.expect import FIELDS
    from playground.commands.output import stdout_console
    from playground.exports.describe import settings_text

    record = export.record
    summary = record.summary or {}
    table = Table(
        title=f"run {record.id} · {record.scenario} · {record.variant} · {record.status}",
        title_justify="left",
    )
    table.add_column("field")
    table.add_column("value", justify="right")
    for field in FIELDS:
        value = summary.get(field)
        shown = (
            "-" if value is None else f"{value:,}" if isinstance(value, int) else f"{value:,.3f}"
        )
        table.add_row(field, shown)
    console = stdout_console()
    console.print(settings_text(record))
    console.print(table)
    verdict = summary.get("verdict")
    for line in (record.error, summary.get("failure"), verdict and verdict["text"]):
        if line:
            console.print(line)
    findings = summary.get("reading") or []
    if findings:
        console.print("Where the time went:")
    for finding in findings:  # the lab's own words: `code` and [brackets] as they are
        console.print(f"- {finding['text']}", markup=False, highlight=False)
    console.print(
        f"stored in {db_path} as run {record.id}: playground export {record.id} --format html"
    )


def main(argv: list[str]) -> int:
    from playground.commands.expect import parse_expectation
    from playground.settings import default_db_path
    from playground.store import RunStore, StoreUnusable

    args = build_parser().parse_args(argv)
    db_path: Path = args.db or default_db_path()
    try:
        request = run_request(args)
        expectations = [parse_expectation(text) for text in args.expect]
        settings = lab_settings(args)
        RunStore(db_path).check()
    except (BadInput, ValueError, StoreUnusable) as error:
        say(PROG, str(error))
        return BAD_INPUT

    from playground.supervisor import LabUnavailable

    try:
        fired = asyncio.run(fire(request, settings, db_path, show_progress=sys.stderr.isatty()))
    except (KeyboardInterrupt, asyncio.CancelledError):
        say(PROG, f"interrupted; what was measured is stored in {db_path}")
        return INTERRUPTED
    except LabUnavailable as error:
        say(PROG, str(error))
        return FAILED

    from playground.exports import FORMATS

    export = fired.export
    if args.json:
        sys.stdout.buffer.write(FORMATS["json"].render(export) + b"\n")
        sys.stdout.flush()
    else:
        print_table(export, db_path)
    record = export.record
    code = OK
    if record.status != "done":
        say(PROG, f"run {record.id} ended {record.status}: {record.error}")
        code = FAILED
    for expectation in expectations:
        measured = expectation.measured(record.summary)
        shown = "no value" if measured is None else f"measured {measured:g}"
        if expectation.holds(record.summary):
            say(PROG, f"expectation held: {expectation} ({shown})")
        else:
            say(PROG, f"expectation failed: {expectation} ({shown})")
            code = FAILED
    return code
