"""The verdict on a run: within a quarter of the prediction agrees, beyond it differs."""

from __future__ import annotations

import pytest

from playground.verdict import TOLERANCE, verdict


@pytest.mark.parametrize(
    ("measured", "agrees", "words"),
    [(1.0, True, "Within 0%"), (1.2, True, "Within 20%"), (0.8, True, "Within 20%"),
     (1.3, False, "30% over"), (0.7, False, "30% under")],
)  # fmt: skip
def test_a_run_agrees_within_a_quarter_of_its_prediction(
    measured: float, agrees: bool, words: str
) -> None:
    found = verdict(measured, 1.0, "ceil(N=1 / 1) × 1 s")
    assert found is not None
    assert found["agrees"] is agrees
    assert words in found["text"] and "ceil(N=1 / 1) × 1 s" in found["text"]
    assert (abs(measured - 1.0) <= TOLERANCE) is agrees


@pytest.mark.parametrize(("measured", "predicted"), [(0.0, 1.0), (1.0, None), (1.0, 0.0)])
def test_nothing_to_compare_gives_no_verdict(measured: float, predicted: float | None) -> None:
    assert verdict(measured, predicted, "") is None
