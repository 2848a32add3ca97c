"""The upstream "weather" service the external-API scenario calls, in a process of its own.

It must not share an event loop with the lab: a lab variant that blocks its loop while
waiting for the upstream would then wait for itself. The lab starts it on a free loopback
port (`python -m playground.upstream --port P`, its secret and the lab's pid in the
environment, see `playground.lab.contract`) and stops it when the lab stops.
"""

from __future__ import annotations

import argparse
import asyncio
import os

from fastapi import FastAPI, Query

from playground.lab.contract import Contract
from playground.lab.guard import Guard
from playground.lab.orphans import exit_with_parent

MIN_LATENCY_MS, MAX_LATENCY_MS = 0, 5_000
"""The one declaration of the latency limits: the external-API scenario's parameter uses them."""


def create_upstream_app(secret: str | None = None) -> FastAPI:
    """The weather service; with a secret, it answers only a caller that sends it."""
    app = FastAPI(title="Async Playground upstream: weather")
    app.add_middleware(Guard, secret=secret)

    @app.get("/weather")
    async def weather(
        latency_ms: int = Query(0, ge=MIN_LATENCY_MS, le=MAX_LATENCY_MS),
    ) -> dict[str, object]:
        await asyncio.sleep(latency_ms / 1000)
        return {"city": "Oslo", "temperature_c": -3, "latency_ms": latency_ms, "pid": os.getpid()}

    return app


def main() -> None:
    import uvicorn  # here: the lab's pool processes import this module's limits, not a server

    parser = argparse.ArgumentParser(prog="python -m playground.upstream")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    contract = Contract.from_env()  # the lab passes its secret and pid the way it gets its own
    if contract.parent_pid is not None:
        exit_with_parent(contract.parent_pid)
    uvicorn.run(
        create_upstream_app(contract.secret),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        backlog=4096,
    )


if __name__ == "__main__":
    main()
