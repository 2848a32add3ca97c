"""The file I/O scenario: writes stay in the lab's own folder; blocking writes take turns on
the loop; offloaded ones go no wider than their pool."""

from __future__ import annotations

import re
import tempfile
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from playground.lab.info import LabInfo
from playground.scenarios.file_io import IN_THREADS, SCENARIO
from tests import helpers
from tests.conftest import Playground, handler_intervals, max_overlap, span_intervals

LAB_FILE = re.compile(r"[0-9a-f]{32}\.bin")
VARIANTS = ["sync", "async-blocking", "async-offload"]


def file_io(variant: str, requests: int = 10, size_kb: int = 256) -> dict[str, Any]:
    return {
        "scenario": "file-io",
        "variant": variant,
        "arrival": {"model": "burst", "requests": requests},
        "params": {"size_kb": size_kb},
    }


def lab_named_files(folder: Path) -> set[str]:
    return {path.name for path in folder.iterdir() if LAB_FILE.fullmatch(path.name)}


def test_files_are_written_only_in_the_labs_own_folder(playground: Playground) -> None:
    places = [Path(tempfile.gettempdir()), Path.cwd()]
    before = [lab_named_files(place) for place in places]
    for variant in VARIANTS:
        run = playground.run(file_io(variant))
        assert run["status"] == "done"
        assert run["summary"]["errors"] == 0
        assert len(span_intervals(run, "write")) == 10
    assert [lab_named_files(place) for place in places] == before


def test_a_lab_writes_into_a_folder_of_its_own_and_leaves_nothing() -> None:
    places = [Path(tempfile.gettempdir()), Path.cwd()]
    before = [lab_named_files(place) for place in places]
    written: list[Path] = []
    for lab in helpers.lab(processes=1):
        with lab.client() as client:
            for variant in VARIANTS:
                # The lab's answer names the file it wrote; the harness keeps only the timing.
                answer = client.get(f"/s/file-io/{variant}", params={"size_kb": 4}).json()
                written.append(Path(answer["result"]["path"]))
        folders = {path.parent for path in written}
        assert len(folders) == 1
        folder = folders.pop()
        assert folder.name.startswith("playground-file-io-")
        assert folder.parent == Path(tempfile.gettempdir())
        assert all(LAB_FILE.fullmatch(path.name) for path in written)
        # Each file is removed once written.
        assert folder.is_dir()
        assert list(folder.iterdir()) == []
    assert not folder.exists()  # and the folder with the lab
    # Nothing with a lab's name turned up anywhere else.
    assert [lab_named_files(place) for place in places] == before


def test_async_blocking_writes_one_at_a_time_on_the_loop(playground: Playground) -> None:
    run = playground.run(file_io("async-blocking", size_kb=4_096))
    assert run["status"] == "done"
    ordered = sorted(handler_intervals(run))
    assert all(later[0] >= earlier[1] - 1e-6 for earlier, later in pairwise(ordered))
    threads = {span["thread"].split(" #")[0] for row in run["timeline"] for span in row["spans"]}
    assert threads == {"MainThread"}


@pytest.mark.parametrize(
    ("variant", "pool"), [("sync", "threadpool"), ("async-offload", "default_executor")]
)
def test_offloaded_writes_go_no_wider_than_their_pool(
    playground: Playground, variant: str, pool: str
) -> None:
    width = playground.lab()["info"][pool]
    run = playground.run(file_io(variant, requests=50, size_kb=4_096))
    assert run["status"] == "done"
    assert run["summary"]["errors"] == 0
    writes = span_intervals(run, "write")
    assert len(writes) == 50
    assert max_overlap(writes) <= width
    threads = {span["thread"] for row in run["timeline"] for span in row["spans"]}
    assert len(threads) <= width
    assert all("MainThread" not in thread for thread in threads)


@pytest.mark.parametrize("value", [0, 65_537])
def test_out_of_range_size_is_refused_with_the_valid_range(
    playground: Playground, value: int
) -> None:
    response = playground.client.post("/api/runs", json=file_io("sync", size_kb=value))
    assert response.status_code == 422
    assert "size_kb must be within 1..65,536 KB" in response.text


def test_writes_in_threads_are_predicted_with_the_overlap_the_lab_measured(
    playground: Playground,
) -> None:
    info = playground.lab()["info"]
    lab = LabInfo.from_json(info)
    in_threads = lab.calibration[IN_THREADS]
    assert 0 < in_threads <= 1
    params = SCENARIO.default_params()
    # The same writes: one at a time on the loop, or from threads that overlap a share of them.
    served = {variant.id: variant.model(params, lab).service_s for variant in SCENARIO.variants}
    assert served["sync"] == pytest.approx(served["async-blocking"] * in_threads)
    assert served["async-offload"] == served["sync"]
    page = playground.client.get(
        "/partials/variant",
        params={"scenario": "file-io", "variant": "sync", "model": "burst", "requests": "10"},
    ).text
    assert f"× {in_threads:.2f}, what a write took each while {lab.cores} threads" in page
    assert f"{lab.cores} threads writing at once took ×{in_threads:.2f} a write each" in page
