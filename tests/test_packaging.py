"""A plain `pip install .` ships the page: templates/ and static/ travel inside the wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_the_wheel_carries_templates_and_static_and_finds_them(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
    )
    (wheel,) = tmp_path.glob("async_playground-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("index.html", "_run.html", "_summary.html"):
        assert f"playground/templates/{name}" in names
    for name in (
        "timeline.js",
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
