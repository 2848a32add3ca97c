"""The upstream "weather" service the external-API scenario calls, in a process of its own.

It must not share an event loop with the lab: a lab variant that blocks its loop while
waiting for the upstream would then wait for itself. The lab starts it on a free loopback
port (`python -m playground.upstream --port P`) and stops it when the lab stops.
"""

from __future__ import annotations

import argparse
import asyncio
import os

import uvicorn
from fastapi import FastAPI, Query

from playground.lab.orphans import exit_with_parent

MAX_LATENCY_MS = 10_000


def create_upstream_app() -> FastAPI:
    app = FastAPI(title="Async Playground upstream: weather")

    @app.get("/weather")
    async def weather(latency_ms: int = Query(0, ge=0, le=MAX_LATENCY_MS)) -> dict[str, object]:
        await asyncio.sleep(latency_ms / 1000)
        return {"city": "Oslo", "temperature_c": -3, "latency_ms": latency_ms, "pid": os.getpid()}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m playground.upstream")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--parent", type=int, help="exit when this process is gone")
    args = parser.parse_args()
    exit_with_parent(args.parent or os.getppid())
    uvicorn.run(
        create_upstream_app(),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        backlog=4096,
    )


if __name__ == "__main__":
    main()
