"""What the benchmark compares against, installed on first use: wrk from Debian's packages,
Locust from PyPI into a venv of its own (its gevent and flask never touch the project's venv),
and Debian's Chromium for the page. Never a downloaded browser or binary."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

LOCUST_VERSION = "2.47.0"
LOCUST_VENV = Path(__file__).parent / ".venv-locust"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # as root
    "--disable-gpu",
    # This machine's network is closed: Chromium's own connections would be refused.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
"""Debian's Chromium as the benchmarks and the browser tests start it."""


class Missing(RuntimeError):
    pass


def _say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def _apt_get_install(package: str) -> None:
    """`apt-get install -y`, with `apt-get update` first only if the lists do not know it."""
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    if prefix and shutil.which("sudo") is None:
        raise Missing(f"{package} is not installed and installing it needs root")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*prefix, "apt-get", "install", "-y", "-q", "--no-install-recommends", package]
    _say(f"installing {package} from Debian's packages")
    if subprocess.run(install, env=env, capture_output=True).returncode == 0:
        return
    subprocess.run([*prefix, "apt-get", "update", "-q"], env=env, capture_output=True, check=True)
    result = subprocess.run(install, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise Missing(f"apt-get install {package} failed: {result.stderr.strip()[-300:]}")


def wrk() -> str:
    """The path of wrk, installed from Debian's packages if it is not there."""
    found = shutil.which("wrk")
    if found is None:
        _apt_get_install("wrk")
        found = shutil.which("wrk")
    if found is None:
        raise Missing("wrk is not on PATH after installing it")
    return found


def locust() -> Path:
    """The `locust` command of bench/.venv-locust, made and filled on first use."""
    command = LOCUST_VENV / "bin" / "locust"
    python = LOCUST_VENV / "bin" / "python"
    if command.exists():
        version = subprocess.run(
            [str(python), "-c", "import locust; print(locust.__version__)"],
            capture_output=True,
            text=True,
        )
        if version.stdout.strip() == LOCUST_VERSION:
            return command
    _say(f"installing Locust {LOCUST_VERSION} into {LOCUST_VENV}")
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(LOCUST_VENV)], check=True)
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", f"locust=={LOCUST_VERSION}"],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise Missing(f"pip install locust failed: {result.stderr.strip()[-300:]}")
    return command


def chromium() -> str:
    if not Path(CHROMIUM).exists():
        _apt_get_install("chromium")
    if not Path(CHROMIUM).exists():
        raise Missing(f"no Chromium at {CHROMIUM}")
    return CHROMIUM
