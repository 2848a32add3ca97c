"""What the lab reports about itself: the pools that decide how much runs at once."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import Any

import anyio.to_thread


@dataclass(frozen=True)
class LabInfo:
    threadpool: int
    """Threads FastAPI may use for `def` endpoints and `run_in_threadpool` (anyio's limiter)."""
    default_executor: int
    """Threads of asyncio's default executor, for `run_in_executor(None, ...)` and `to_thread`."""
    cores: int
    workers: int
    processes: int
    pid: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LabInfo:
        return cls(**{name: int(data[name]) for name in cls.__dataclass_fields__})


def read_lab_info(*, workers: int, processes: int) -> LabInfo:
    """Read the pool sizes from the running lab itself; call inside its event loop."""
    cores = os.cpu_count() or 1
    return LabInfo(
        threadpool=int(anyio.to_thread.current_default_thread_limiter().total_tokens),
        # ThreadPoolExecutor's own default, which asyncio's default executor uses.
        default_executor=min(32, cores + 4),
        cores=cores,
        workers=workers,
        processes=processes,
        pid=os.getpid(),
    )
