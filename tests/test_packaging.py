"""A plain `pip install .` ships the page and everything it runs on: templates/ and static/
travel inside the wheel, and its dependencies alone run every scenario."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from playground.scenarios import SCENARIOS
from tests.conftest import start_playground

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(folder), str(ROOT)],
        check=True,
    )
    (built,) = folder.glob("async_playground-*.whl")
    return built


def test_the_wheel_carries_templates_and_static_and_finds_them(wheel: Path, tmp_path: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("index.html", "_run.html", "_summary.html"):
        assert f"playground/templates/{name}" in names
    for name in (
        "js/timeline.js",
        "app.css",
        "vendor/htmx-2.0.11.min.js",
        "vendor/pico-2.1.1.min.css",
    ):
        assert f"playground/static/{name}" in names

    unpacked = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(unpacked)
    found = subprocess.run(
        [
            sys.executable,
            "-c",
            "from playground.templating import asset_dir; "
            "print(asset_dir('templates')); print(asset_dir('static'))",
        ],
        env={**os.environ, "PYTHONPATH": str(unpacked)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.split() == [
        str(unpacked / "playground" / "templates"),
        str(unpacked / "playground" / "static"),
    ]


def test_a_plain_install_runs_every_variant(wheel: Path, tmp_path: Path) -> None:
    """The quick start's install, without the test extras: a dependency that only a test tool
    brought in (greenlet came with Playwright) would fail here, not on a newcomer's machine."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "-q", str(wheel)], check=True)
    server = start_playground(tmp_path / "runs.sqlite3", python=python)
    try:
        for scenario in SCENARIOS.values():
            for variant in scenario.variants:
                run = server.run(
                    {
                        "scenario": scenario.id,
                        "variant": variant.id,
                        "arrival": {"model": "burst", "requests": 2},
                        "params": {param.name: param.min for param in scenario.params},
                    }
                )
                assert run["status"] == "done", (scenario.id, variant.id, run)
                # Each answers as it is meant to: the shared-session variant's 500 is its lesson.
                answered = [row["status_code"] for row in run["timeline"]]
                assert answered == [variant.status] * 2, (scenario.id, variant.id, run["timeline"])
    finally:
        server.stop()
