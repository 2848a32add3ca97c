"""The harness in a process of its own: `python -m playground.harness_process --parent-pid N`.

The playground starts one per run, so that its page, streams and store never share an event
loop with the measurements. The protocol is JSON lines:

- stdin: first the job (`Job`: the target, the run's request, the limits), then at most a
  `cancel` line. The playground starts a spare process ahead of a run, since imports take a
  second; it waits for the job, and exits if stdin ends first. A cancel, SIGTERM or the end
  of stdin (the playground is gone) cancels `harness.fire`, which records the requests still
  out as cancelled.
- stdout: `{"t0": …}` as firing begins (the clock zero of every time that follows), then
  batches `{"sent": […], "rows": […], "pings": […]}` of what is new, every `FLUSH_INTERVAL_S`,
  and last `{"end": "completed" | "deadline" | "cancelled"}`, or `{"error": …}` if `fire`
  raised. A process that ends without either line crashed.

It exits when the playground dies (`lab.orphans.exit_with_parent`), so it never outlives it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
from dataclasses import asdict, dataclass
from typing import Any, BinaryIO, Literal

from playground.harness import Limits, Recording, Target, fire
from playground.heap import freeze_the_start
from playground.lab.orphans import exit_with_parent
from playground.schemas import RunRequest

__all__ = ["CANCEL", "FLUSH_INTERVAL_S", "Ending", "Job", "main"]

FLUSH_INTERVAL_S = 0.05
BATCH_ITEMS = 1_000
"""Most rows (or sent times, or pings) in one line, to keep lines short for the reader."""
CANCEL = b"cancel\n"

Ending = Literal["completed", "deadline", "cancelled"]


@dataclass(frozen=True)
class Job:
    """What a harness process fires: everything `harness.fire` takes, as one JSON line."""

    target: Target
    request: RunRequest
    limits: Limits

    def to_line(self) -> bytes:
        job = {
            "target": asdict(self.target),
            "request": self.request.model_dump(mode="json"),
            "limits": asdict(self.limits),
        }
        return json.dumps(job).encode() + b"\n"

    @classmethod
    def from_line(cls, line: bytes) -> Job:
        job = json.loads(line)
        return cls(
            target=Target(**job["target"]),
            request=RunRequest.model_validate(job["request"]),
            limits=Limits(**job["limits"]),
        )


class StreamedRecording(Recording):
    """A recording that writes what is new to a pipe as JSON lines."""

    def __init__(self, out: BinaryIO) -> None:
        super().__init__()
        self._out = out
        self._flushed = {"sent": 0, "rows": 0, "pings": 0}

    def began(self, t0: float) -> None:
        super().began(t0)
        self.write({"t0": t0})

    def write(self, message: dict[str, Any]) -> None:
        self._out.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")
        self._out.flush()

    def flush(self) -> None:
        lists: dict[str, list[Any]] = {
            "sent": self.sent_times,
            "rows": self.rows,
            "pings": self.pings,
        }
        while True:
            batch = {}
            for name, items in lists.items():
                start = self._flushed[name]
                new = items[start : start + BATCH_ITEMS]
                self._flushed[name] = start + len(new)
                if new:
                    batch[name] = new
            if not batch:
                return
            self.write(batch)

    async def flush_every(self, interval_s: float) -> None:
        while True:
            await asyncio.sleep(interval_s)
            self.flush()


async def _cancelled_by(stdin: asyncio.StreamReader) -> None:
    """Returns on a cancel line, or when stdin ends: the playground stopped or is gone."""
    while True:
        line = await stdin.readline()
        if not line or line == CANCEL:
            return


async def serve(stdin: asyncio.StreamReader, out: BinaryIO) -> int:
    line = await stdin.readline()
    if not line:  # a spare process the playground no longer needs
        return 0
    job = Job.from_line(line)
    recording = StreamedRecording(out)
    firing = asyncio.create_task(fire(job.target, job.request.arrival, job.limits, recording))
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, firing.cancel)
    cancel = asyncio.create_task(_cancelled_by(stdin))
    flusher = asyncio.create_task(recording.flush_every(FLUSH_INTERVAL_S))
    await asyncio.wait({firing, cancel}, return_when=asyncio.FIRST_COMPLETED)
    firing.cancel()  # a no-op if it is done
    await asyncio.wait({firing})
    for task in (cancel, flusher):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    recording.flush()
    if firing.cancelled():
        recording.write({"end": "cancelled"})
        return 0
    error = firing.exception()
    if error is not None:
        recording.write({"error": f"{type(error).__name__}: {error}"})
        return 1
    recording.write({"end": "completed" if firing.result() else "deadline"})
    return 0


async def _main() -> int:
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    return await serve(stdin, sys.stdout.buffer)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m playground.harness_process")
    parser.add_argument("--parent-pid", type=int, help="exit once this process is gone")
    args = parser.parse_args()
    if args.parent_pid:
        exit_with_parent(args.parent_pid)
    freeze_the_start()
    try:
        code = asyncio.run(_main())
    except BrokenPipeError:  # the playground stopped reading: nobody to report to
        code = 1
    # Every line is written and flushed, every connection closed: skip the interpreter's
    # teardown of aiohttp and pydantic, which took 0.5 to 1.9 s here after a run, while the
    # page showed the run still going until this process had ended.
    os._exit(code)


if __name__ == "__main__":
    main()
