"""Hello: an endpoint with nothing to wait for, to see what each path itself costs.

This scenario demonstrates:
- `def` hops to FastAPI's threadpool and back for every request, even one with nothing to do;
- `async def` runs right on the event loop, with no hop;
- for a trivial endpoint the difference is a fraction of a millisecond: `async def` is not
  "faster" by itself, it only pays off when there is something to wait for.
"""

from __future__ import annotations

from playground.lab.info import LabInfo
from playground.scenarios import models
from playground.scenarios.base import Params, Scenario, Variant


def sync() -> dict[str, str]:
    return {"message": "Hello World"}


async def async_() -> dict[str, str]:
    return {"message": "Hello World"}


def _nothing(params: Params, lab: LabInfo) -> float:
    return 0.0


SCENARIO = Scenario(
    id="hello",
    name="Hello",
    summary="Each request returns a small JSON at once: only the cost of the path is left.",
    params=(),
    # Enough requests that what each costs the loop adds up to something on the timeline.
    default_load={"model": "burst", "requests": 1_000},
    variants=(
        Variant(
            id="sync",
            label="def",
            endpoint=sync,
            explanation=(
                "FastAPI runs a `def` endpoint in its threadpool of {threadpool}: the event loop "
                "hands the call to a thread and picks the result up again, a fraction of a "
                "millisecond a request. The timeline shows worker threads, not the main one."
            ),
            model=models.threadpool(_nothing),
            model_text="no work: only the hop to a thread and back (≈ 0)",
        ),
        Variant(
            id="async",
            label="async def",
            endpoint=async_,
            explanation=(
                "An `async def` endpoint runs right on the event loop, with no hop. That saves "
                "a little, but for an endpoint with nothing to wait for the difference is tiny, "
                "the same order as the HTTP work around every request: not a reason to choose."
            ),
            model=models.unlimited(_nothing),
            model_text="no work: runs on the loop (≈ 0)",
        ),
    ),
)
