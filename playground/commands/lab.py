"""`playground lab --port P`: the lab alone, to aim Locust, wrk or curl at it.

The lab the playground starts answers only requests carrying the secret it was given
(`playground.lab.contract`); one started here is given none, so it answers whatever reaches
it — an exported locustfile works against it, from this machine or (with `--host 0.0.0.0`)
from others. It runs until Ctrl-C or SIGTERM, which it passes on to the lab.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from types import FrameType

from playground.commands.parser import (
    BAD_INPUT,
    FAILED,
    OK,
    BadInput,
    Parser,
    add_lab_settings,
    lab_settings,
    say,
)
from playground.ports import LOOPBACK

PROG = "playground lab"
POLL_S = 0.2


def build_parser() -> Parser:
    parser = Parser(
        prog=PROG,
        description="Serve the lab alone, with no secret: it answers whatever reaches it.",
    )
    parser.add_argument("--port", type=int, required=True, help="1..65535")
    parser.add_argument(
        "--host",
        default=LOOPBACK,
        help=f"address to listen on (default {LOOPBACK}; 0.0.0.0 for other machines)",
    )
    add_lab_settings(parser)
    return parser


def _ready_line(base_url: str, timeout_s: float, process: subprocess.Popen[bytes]) -> str:
    """Wait until the lab answers `/info`; what it runs with, in one line."""
    import httpx

    from playground.lab.info import LabInfo

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the lab exited with code {process.returncode}")
        try:
            response = httpx.get(f"{base_url}/info", timeout=1)
            if response.status_code == 200:
                info = LabInfo.from_json(response.json())
                return (
                    f"threadpool {info.threadpool}, {info.workers} worker(s), "
                    f"{info.processes} processes for the CPU scenario, {info.cores} cores"
                )
        except httpx.TransportError:
            pass
        time.sleep(POLL_S)
    raise RuntimeError(f"the lab did not answer within {timeout_s:g} s")


def main(argv: list[str]) -> int:
    from playground.cli import CannotStart, take_port
    from playground.commands.run import LAB_START_TIMEOUT_S
    from playground.lab.contract import Contract

    args = build_parser().parse_args(argv)
    try:
        if not 1 <= args.port <= 65535:
            raise BadInput(f"--port must be within 1..65535, not {args.port}")
        settings = lab_settings(args)
        take_port(args.host, args.port).close()  # in use, or not ours: say so before starting
    except (BadInput, CannotStart) as error:
        say(PROG, str(error))
        return BAD_INPUT
    # No secret: it answers everyone; it exits with this process. In a session of its
    # own, so a Ctrl-C reaches it once, from here, whether it came from a terminal or a kill.
    environ = Contract(settings, parent_pid=os.getpid()).environ()
    command = [
        sys.executable,
        "-m",
        "playground.lab",
        "--host",
        args.host,
        "--port",
        str(args.port),
    ]
    process = subprocess.Popen(command, env=environ, start_new_session=True)
    stopping: list[int] = []

    def pass_on(signum: int, frame: FrameType | None) -> None:
        stopping.append(signum)
        process.send_signal(signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, pass_on)
    local = LOOPBACK if args.host in ("0.0.0.0", "::", "") else args.host
    try:
        ready = _ready_line(f"http://{local}:{args.port}", LAB_START_TIMEOUT_S, process)
    except RuntimeError as error:
        if process.poll() is None:
            process.terminate()
        process.wait()
        if stopping:
            return OK
        say(PROG, str(error))
        return FAILED
    say(PROG, f"serving http://{args.host}:{args.port} with no secret ({ready})")
    say(PROG, f"try: curl 'http://{local}:{args.port}/s/sleep/async?delay_ms=100'; Ctrl-C stops it")
    code = process.wait()
    return OK if code == 0 or stopping else FAILED
