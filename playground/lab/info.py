"""What the lab reports about itself: the pools that decide how much runs at once, and what
it measured on this machine when it started."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
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
    calibration: dict[str, float] = field(default_factory=dict)
    """Costs the scenarios measured at the lab's start, by name (see each scenario's lifespan)."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LabInfo:
        pools = {
            name: int(data[name]) for name in cls.__dataclass_fields__ if name != "calibration"
        }
        calibration = {str(k): float(v) for k, v in dict(data.get("calibration") or {}).items()}
        return cls(**pools, calibration=calibration)

    def facts(self) -> dict[str, Any]:
        """What explanations may name: `{threadpool}`, `{cores}`, ..., and every calibration."""
        return {**{k: v for k, v in asdict(self).items() if k != "calibration"}, **self.calibration}


def read_lab_info(*, workers: int, processes: int, calibration: dict[str, float]) -> LabInfo:
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
        calibration=dict(calibration),
    )
