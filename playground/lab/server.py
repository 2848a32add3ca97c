"""The lab server process: `python -m playground.lab --port 8001`.

Everything else it is told comes in its environment, as `playground.lab.contract` writes it:
the settings, the secret, the pid to exit with. Worker processes inherit the same environment
and build the app from it. Started by hand with none of it, the lab answers everyone.
"""

from __future__ import annotations

import argparse

import uvicorn

from playground.lab.contract import Contract
from playground.lab.orphans import exit_with_parent


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m playground.lab")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    contract = Contract.from_env()
    if contract.parent_pid is not None:
        exit_with_parent(contract.parent_pid)
    uvicorn.run(
        "playground.lab.app:create_lab_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=contract.settings.workers,
        log_level="warning",
        access_log=False,
        backlog=4096,
        timeout_keep_alive=30,
    )
