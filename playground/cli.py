"""`playground`: start the web app and its lab, and print where to open it."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import uvicorn

from playground.app import create_app
from playground.settings import DEFAULT_HOST, DEFAULT_PORT, LabSettings, Settings, default_db_path


def parse_settings(argv: list[str] | None = None) -> Settings:
    parser = argparse.ArgumentParser(
        prog="playground", description="See what async def does to a web server, measured."
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to serve the page on")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
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


def main(argv: list[str] | None = None) -> None:
    settings = parse_settings(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s:  %(name)s: %(message)s")
    print(f"Async Playground: open {settings.url}  (runs are kept in {settings.db_path})")
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="info",
        access_log=False,
    )
