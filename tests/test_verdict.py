"""The verdict on a run: within a quarter of the prediction agrees; beyond it, the gap is the
lesson where the variant's model leaves it out on purpose, the machine's where the lab's loop
waited for a core, else the model missed."""

from __future__ import annotations

import pytest

from playground.load import Prediction
from playground.verdict import CPU_WAIT_SHARE, TOLERANCE, verdict

FORMULA = "ceil(N=1 / 1) × 1 s"
HOLDS = Prediction(makespan_s=1.0, throughput_rps=1.0, formula=FORMULA)
PARTIAL = Prediction(
    makespan_s=1.0, throughput_rps=1.0, formula=FORMULA, partial="the pool's own CPU"
)


@pytest.mark.parametrize(
    ("measured", "kind", "words"),
    [(1.0, "agrees", "within 0%"), (1.2, "agrees", "within 20%"), (0.8, "agrees", "within 20%"),
     (1.3, "differs", "30% over"), (0.7, "differs", "30% under")],
)  # fmt: skip
def test_a_run_agrees_within_a_quarter_of_its_prediction(
    measured: float, kind: str, words: str
) -> None:
    found = verdict(measured, HOLDS, "done")
    assert found is not None
    assert found["kind"] == kind and found["agrees"] is (kind == "agrees")
    assert words in found["text"] and FORMULA in found["text"]
    assert (abs(measured - 1.0) <= TOLERANCE) is found["agrees"]


def test_a_gap_the_model_leaves_out_on_purpose_reads_as_the_lesson() -> None:
    found = verdict(2.0, PARTIAL, "done")
    assert found is not None and found["kind"] == "lesson"
    assert "as the lesson says" in found["text"] and "the pool's own CPU" in found["text"]
    near = verdict(1.1, PARTIAL, "done")
    assert near is not None and near["kind"] == "agrees"


def test_a_gap_while_the_loop_waited_for_a_core_is_the_machines_not_the_models() -> None:
    crowded = verdict(1.6, HOLDS, "done", loop_waited=2 * CPU_WAIT_SHARE)
    assert crowded is not None and crowded["kind"] == "crowded" and not crowded["agrees"]
    assert "waited for a core 20% of the run" in crowded["text"] and FORMULA in crowded["text"]
    a_little = verdict(1.6, HOLDS, "done", loop_waited=CPU_WAIT_SHARE / 2)
    assert a_little is not None and a_little["kind"] == "differs"
    within = verdict(1.1, HOLDS, "done", loop_waited=0.5)
    assert within is not None and within["kind"] == "agrees"
    lesson = verdict(2.0, PARTIAL, "done", loop_waited=0.5)  # the lesson's gap comes first
    assert lesson is not None and lesson["kind"] == "lesson"


@pytest.mark.parametrize("status", ["cancelled", "interrupted", "failed"])
def test_a_run_that_did_not_finish_gets_no_verdict(status: str) -> None:
    assert verdict(3.0, HOLDS, status) is None


@pytest.mark.parametrize(
    ("measured", "prediction"),
    [(0.0, HOLDS), (1.0, None), (1.0, Prediction(0.0, None, ""))],
)
def test_nothing_to_compare_gives_no_verdict(
    measured: float, prediction: Prediction | None
) -> None:
    assert verdict(measured, prediction) is None
