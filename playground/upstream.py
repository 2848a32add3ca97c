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

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from playground.lab.contract import Contract
from playground.lab.guard import Guard
from playground.lab.orphans import exit_with_parent

MIN_LATENCY_MS, MAX_LATENCY_MS = 0, 5_000
"""The one declaration of the latency limits: the external-API scenario's parameter uses them."""


def _latency_ms(request: Request) -> int | None:
    """`?latency_ms=`, 0 when absent; None when it is no whole number within the limits."""
    try:
        latency_ms = int(request.query_params.get("latency_ms", "0"))
    except ValueError:
        return None
    return latency_ms if MIN_LATENCY_MS <= latency_ms <= MAX_LATENCY_MS else None


async def weather(request: Request) -> JSONResponse:
    latency_ms = _latency_ms(request)
    if latency_ms is None:
        message = f"latency_ms must be a whole number from {MIN_LATENCY_MS} to {MAX_LATENCY_MS}"
        return JSONResponse({"detail": message}, status_code=422)
    await asyncio.sleep(latency_ms / 1000)
    return JSONResponse(
        {"city": "Oslo", "temperature_c": -3, "latency_ms": latency_ms, "pid": os.getpid()}
    )


def create_upstream_app(secret: str | None = None) -> Starlette:
    """The weather service; with a secret, it answers only a caller that sends it. Starlette,
    not FastAPI: it starts with every lab, and FastAPI's import would double its start."""
    return Starlette(
        routes=[Route("/weather", weather)], middleware=[Middleware(Guard, secret=secret)]
    )


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
