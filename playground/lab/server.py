"""The lab server process: `python -m playground.lab --port 8001` (the playground starts it)."""

from __future__ import annotations

import argparse
import os

import uvicorn

from playground.lab.app import settings_from_env, settings_to_env
from playground.lab.orphans import exit_with_parent
from playground.settings import LabSettings

PARENT_PID_ENV = "PLAYGROUND_PARENT_PID"


def main() -> None:
    defaults = settings_from_env()
    parser = argparse.ArgumentParser(prog="python -m playground.lab")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threadpool", type=int, default=defaults.threadpool)
    parser.add_argument("--workers", type=int, default=defaults.workers)
    parser.add_argument("--processes", type=int, default=defaults.processes)
    args = parser.parse_args()
    settings = LabSettings(args.threadpool, args.workers, args.processes)
    if PARENT_PID_ENV in os.environ:
        exit_with_parent(int(os.environ[PARENT_PID_ENV]))
    os.environ.update(settings_to_env(settings))  # worker processes build the app from these
    uvicorn.run(
        "playground.lab.app:create_lab_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=settings.workers,
        log_level="warning",
        access_log=False,
        backlog=4096,
        timeout_keep_alive=30,
    )
