"""The heap of a process that measures: what its start made is frozen out of full collections.

A full collection walks every object the collector tracks, and the thread that runs it stops
meanwhile: in the lab, its event loop, in the harness, the loop that sends and reads the
requests. A process's start (its imports; the lab's calibration) leaves most of its objects,
and they live as long as it does. Walked, they took 127 ms in the lab, where the first run of a
fresh lab read a stall of 108 to 142 ms, and 72 ms in the harness, which would have read as the
lab's latency. Frozen, they are not walked again: the lab's next full collection took 21 ms.

The lab freezes twice: its imports before its scenarios calibrate, so that a collection landing
in a calibration walks what a run's would (in each of two starts timed, one walked the imports
inside the ORM session's timing, 55 and 64 ms, and doubled it), and what the calibration left,
after it.
"""

from __future__ import annotations

import gc

__all__ = ["freeze_the_start"]


def freeze_the_start() -> None:
    """Collect what the start left as garbage, then keep the rest out of every collection."""
    gc.collect()
    gc.freeze()
