"""Predict, then reveal: the shape a run had, whether a guess was right, and what a guess may be."""

from __future__ import annotations

import math
from typing import Any

import pytest
from pydantic import ValidationError

from playground.guess import SHAPE_IDS, SHAPES, judge, observed_shape, shape_choices
from playground.lab.info import LabInfo
from playground.schemas import RunRequest

LAB = LabInfo(threadpool=7, default_executor=6, cores=2, workers=1, processes=2, pid=1)


def summary(**numbers: Any) -> dict[str, Any]:
    return {"requests": 100, "errors": 0, "max_in_handler": 100, "makespan_s": 2.0, **numbers}


@pytest.mark.parametrize(
    ("requests", "errors", "most", "shape"),
    [
        (100, 0, 100, "all-at-once"),
        (100, 0, 95, "all-at-once"),
        (100, 0, 40, "waves"),
        (100, 0, 15, "waves"),
        (100, 0, 1, "one-at-a-time"),
        (100, 3, 100, "some-fail"),
        (100, 1, 1, "some-fail"),
        (1, 0, 1, "all-at-once"),
    ],
)
def test_the_shape_is_decided_from_the_measurement(
    requests: int, errors: int, most: int, shape: str
) -> None:
    assert observed_shape(requests=requests, errors=errors, max_in_handler=most) == shape


def test_shape_labels_name_the_running_labs_threadpool() -> None:
    labels = dict(shape_choices(LAB))
    assert "7" in labels["waves"] and "40" not in labels["waves"]
    assert [shape_id for shape_id, _ in shape_choices(None)] == list(SHAPE_IDS) == list(SHAPES)


def test_a_shape_guess_is_right_only_when_the_run_had_that_shape() -> None:
    guess = {"kind": "shape", "value": "waves"}
    lab = {"info": LAB.to_json()}
    right = judge(guess, summary(max_in_handler=7), status="done", lab=lab)
    wrong = judge(guess, summary(max_in_handler=1), status="done", lab=lab)
    assert right is not None and right.right is True and "waves of 7" in right.measured
    assert wrong is not None and wrong.right is False and "one at a time" in wrong.measured


def test_a_makespan_guess_is_right_within_the_verdicts_tolerance() -> None:
    assert judge({"kind": "makespan", "value": 2.4}, summary(), status="done").right is True  # type: ignore[union-attr]
    assert judge({"kind": "makespan", "value": 4.0}, summary(), status="done").right is False  # type: ignore[union-attr]


def test_a_stopped_run_or_no_guess_is_not_judged() -> None:
    stopped = judge({"kind": "makespan", "value": 2.0}, summary(), status="cancelled")
    assert stopped is not None and stopped.right is None and "cancelled" in stopped.text
    assert judge(None, summary(), status="done") is None


BASE = {"scenario": "sleep", "variant": "async"}


@pytest.mark.parametrize(
    "guess",
    [{"kind": "makespan", "value": 2.5}, {"kind": "makespan", "value": 3600}]
    + [{"kind": "shape", "value": shape_id} for shape_id in SHAPE_IDS],
)
def test_the_run_request_takes_a_guess(guess: dict[str, Any]) -> None:
    request = RunRequest.model_validate({**BASE, "guess": guess})
    assert request.guess is not None and request.model_dump(mode="json")["guess"] == guess


@pytest.mark.parametrize(
    ("guess", "says"),
    [
        ({"kind": "makespan", "value": 0}, "greater than 0"),
        ({"kind": "makespan", "value": 3600.5}, "less than or equal to 3600"),
        ({"kind": "makespan", "value": "2"}, "valid number"),
        ({"kind": "makespan", "value": math.nan}, "finite number"),
        ({"kind": "shape", "value": "spiral"}, "'all-at-once'"),
        ({"kind": "vibes", "value": 1}, "'makespan', 'shape'"),
    ],
)
def test_a_bad_guess_is_refused_with_a_reason(guess: dict[str, Any], says: str) -> None:
    with pytest.raises(ValidationError) as caught:
        RunRequest.model_validate({**BASE, "guess": guess})
    assert says in str(caught.value)


def test_a_run_request_needs_no_guess() -> None:
    assert RunRequest.model_validate(BASE).guess is None
