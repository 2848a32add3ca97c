"""The lab's heap: what its start made is frozen out of the collector's full collections, which
walk every object they track with the event loop stopped."""

from __future__ import annotations

import gc
from time import perf_counter

from playground.lab.app import create_lab_app
from playground.lab.contract import Contract


def _full_collection_s() -> float:
    """The quickest of three full collections, in seconds."""
    timings = []
    for _ in range(3):
        began = perf_counter()
        gc.collect()
        timings.append(perf_counter() - began)
    return min(timings)


async def test_a_full_collection_skips_what_the_labs_start_made() -> None:
    """In a fresh lab's first run, a full collection over the start's imports and calibration
    stopped the loop for over 100 ms; frozen, they are not walked again."""
    try:
        app = create_lab_app(Contract())
        async with app.router.lifespan_context(app):  # the lab's whole start, as it serves
            frozen = gc.get_freeze_count()
            walking_the_rest = _full_collection_s()
        gc.unfreeze()
        walking_everything = _full_collection_s()
    finally:
        gc.unfreeze()
    assert frozen > 0
    assert walking_the_rest < walking_everything / 2, (walking_the_rest, walking_everything)
