"""Settings of the playground and of the lab it supervises, with their embedded defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def default_db_path() -> Path:
    return Path(platformdirs.user_data_dir("async-playground")) / "playground.sqlite3"


@dataclass(frozen=True)
class LabSettings:
    """How the lab server is set up; stored with every run because it shapes the result."""

    threadpool: int = 40
    workers: int = 1
    processes: int = field(default_factory=lambda: os.cpu_count() or 1)


@dataclass(frozen=True)
class Settings:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    db_path: Path = field(default_factory=default_db_path)
    open_browser: bool = False
    lab: LabSettings = field(default_factory=LabSettings)
    request_timeout_s: float = 60.0
    run_deadline_s: float = 120.0
    lab_start_timeout_s: float = 60.0
    """The lab calibrates its costs as it starts: seconds, many more on a loaded machine."""

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"
