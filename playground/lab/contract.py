"""What a parent process tells a helper it starts, in one place: the lab's settings, the
secret every request must carry, the parent's pid to exit with, and where to send lanes.

The supervisor starts the lab with it, and the lab starts its upstream with it; both sides
import only this module, so the environment is the one way settings cross the boundary.
A helper started with no secret (by hand, to point Locust at it) answers everyone.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from playground.settings import LabSettings

__all__ = ["SECRET_HEADER", "Contract", "new_secret"]

SECRET_HEADER = "x-playground-secret"
_PREFIX = "PLAYGROUND_LAB_"
_THREADPOOL = f"{_PREFIX}THREADPOOL"
_WORKERS = f"{_PREFIX}WORKERS"
_PROCESSES = f"{_PREFIX}PROCESSES"
_SECRET = f"{_PREFIX}SECRET"
_PARENT = f"{_PREFIX}PARENT_PID"
_LANES = f"{_PREFIX}LANES"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Contract:
    settings: LabSettings = field(default_factory=LabSettings)
    secret: str | None = None
    """Every request must carry it in `SECRET_HEADER`; None: the helper answers everyone."""
    parent_pid: int | None = None
    """The helper exits once this process is gone; None: it runs on its own."""
    lanes: str | None = None
    """`host:port` of the playground's lane collector; None: the lab samples no lanes."""

    @property
    def headers(self) -> dict[str, str]:
        """What a client of the helper sends on every request."""
        return {SECRET_HEADER: self.secret} if self.secret else {}

    def to_env(self) -> dict[str, str]:
        env = {
            _THREADPOOL: str(self.settings.threadpool),
            _WORKERS: str(self.settings.workers),
            _PROCESSES: str(self.settings.processes),
        }
        if self.secret:
            env[_SECRET] = self.secret
        if self.parent_pid is not None:
            env[_PARENT] = str(self.parent_pid)
        if self.lanes:
            env[_LANES] = self.lanes
        return env

    def environ(self) -> dict[str, str]:
        """This process's environment, without any contract of its own, plus this one."""
        inherited = {key: value for key, value in os.environ.items() if not key.startswith(_PREFIX)}
        return {**inherited, **self.to_env()}

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Contract:
        env = os.environ if env is None else env
        defaults = LabSettings()
        parent = env.get(_PARENT)
        return cls(
            settings=LabSettings(
                threadpool=int(env.get(_THREADPOOL, defaults.threadpool)),
                workers=int(env.get(_WORKERS, defaults.workers)),
                processes=int(env.get(_PROCESSES, defaults.processes)),
            ),
            secret=env.get(_SECRET) or None,
            parent_pid=int(parent) if parent else None,
            lanes=env.get(_LANES) or None,
        )
