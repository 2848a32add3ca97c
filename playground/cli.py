"""`playground`: start the web app and its lab, and print where to open it.

Start-up fails fast and says why in one line: the port is taken and the database checked
before the lab starts or anything is written, so a second playground that cannot start
leaves the first one's runs alone.
"""

from __future__ import annotations

import argparse
import errno
import logging
import socket
import sys
from pathlib import Path

from playground.settings import DEFAULT_HOST, DEFAULT_PORT, LabSettings, Settings, default_db_path
from playground.store import RunStore, StoreUnusable

STARTUP_FAILED = 1


def _commands_help() -> str:
    from playground.commands import COMMANDS

    lines = [f"  {name:<8} {what}" for name, what in COMMANDS.items()]
    return "commands (playground COMMAND --help):\n" + "\n".join(lines)


def parse_settings(argv: list[str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(
        prog="playground",
        description="See what async def does to a web server, measured. With no command, "
        "start the playground's page and its lab.",
        epilog=_commands_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to serve the page on")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="1..65535")
    parser.add_argument(
        "--db", type=Path, default=None, help=f"SQLite file of runs (default: {default_db_path()})"
    )
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
    parser.add_argument(
        "--threadpool", type=int, default=LabSettings.threadpool, help="the lab's threadpool size"
    )
    parser.add_argument(
        "--run-deadline",
        type=float,
        default=Settings.run_deadline_s,
        help="seconds a run may take (plus its duration for users and rate); "
        "requests still out then are recorded as timed out",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.run_deadline <= 3600:
        parser.error("--run-deadline must be within 1..3600 seconds")
    if not 1 <= args.port <= 65535:
        parser.error("--port must be within 1..65535")
    if not 1 <= args.threadpool <= 1000:
        parser.error("--threadpool must be within 1..1000")
    return Settings(
        host=args.host,
        port=args.port,
        db_path=args.db or default_db_path(),
        open_browser=not args.no_browser,
        lab=LabSettings(threadpool=args.threadpool),
        run_deadline_s=args.run_deadline,
    )


class CannotStart(Exception):
    """Why the playground cannot start, in one line."""


def take_port(host: str, port: int) -> socket.socket:
    """A listening socket on `host:port`, for uvicorn to serve on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET  # as uvicorn decides
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as error:
        sock.close()
        if isinstance(error, socket.gaierror):
            raise CannotStart(f"cannot listen on {host}: {error.strerror}") from None
        if error.errno == errno.EADDRINUSE:
            raise CannotStart(f"port {port} on {host} is in use") from None
        if error.errno == errno.EACCES:
            raise CannotStart(f"port {port} on {host} needs privileges; try --port 8000") from None
        raise CannotStart(f"cannot listen on port {port} of {host}: {error.strerror}") from None
    return sock


def main(argv: list[str] | None = None) -> None:
    from playground.commands import dispatch

    code = dispatch(sys.argv[1:] if argv is None else argv)
    if code is not None:
        sys.exit(code)
    settings = parse_settings(argv)
    try:
        sock = take_port(settings.host, settings.port)
    except CannotStart as error:
        sys.exit(f"playground: {error}")
    try:
        RunStore(settings.db_path).check()
    except StoreUnusable as error:
        sock.close()
        sys.exit(f"playground: {error}")
    # Only now the app and the server: importing them takes seconds on a busy machine, and a
    # playground that cannot start says so first.
    import uvicorn

    from playground.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(levelname)s:  %(name)s: %(message)s")
    print(f"Async Playground: open {settings.url}  (runs are kept in {settings.db_path})")
    config = uvicorn.Config(
        create_app(settings), log_level="info", access_log=False, host=settings.host
    )
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    if not server.started:
        sys.exit(STARTUP_FAILED)
