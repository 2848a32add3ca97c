"""Predict, then reveal: the guesses a learner may commit before a run, and whether one was right.

A guess is a makespan in seconds or one of a few shapes of the timeline. The shapes are
declared once here, their labels templates of the lab's facts (`{threadpool}`); the shape a
run really had is decided from its measurement by `observed_shape`, and `judge` compares.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

from playground.lab.info import LabInfo
from playground.verdict import TOLERANCE

__all__ = [
    "GUESS_REQUIRED",
    "MAX_MAKESPAN_GUESS_S",
    "SHAPES",
    "SHAPE_IDS",
    "Judgement",
    "Shape",
    "ShapeId",
    "judge",
    "observed_shape",
    "shape_choices",
]

ShapeId = Literal["all-at-once", "waves", "one-at-a-time", "some-fail"]
SHAPE_IDS: tuple[ShapeId, ...] = get_args(ShapeId)

MAX_MAKESPAN_GUESS_S = 3600.0
"""The longest makespan one may guess: an hour, longer than any run's deadline."""

ALL_AT_ONCE_SHARE = 0.9
"""Most-in-handler at least this share of the requests reads as "all at once"."""

GUESS_REQUIRED = (
    "predict first is on: guess the makespan in seconds or pick a shape before you run "
    "(or turn predict first off)"
)


@dataclass(frozen=True)
class Shape:
    id: ShapeId
    label: str
    """A template of the lab's facts, like the scenarios' explanations."""
    without_lab: str
    """The label when the lab's facts are unknown."""

    def describe(self, lab: LabInfo | None) -> str:
        return self.label.format(**lab.facts()) if lab is not None else self.without_lab


SHAPES: dict[ShapeId, Shape] = {
    shape.id: shape
    for shape in (
        Shape("all-at-once", "all at once", "all at once"),
        Shape(
            "waves",
            "in waves of {threadpool} (the threadpool), or of another pool",
            "in waves of a pool's size",
        ),
        Shape("one-at-a-time", "one at a time", "one at a time"),
        Shape("some-fail", "some fail", "some fail"),
    )
}
assert tuple(SHAPES) == SHAPE_IDS


def shape_choices(lab: LabInfo | None) -> list[tuple[ShapeId, str]]:
    """Every shape and its label with the running lab's facts, for the form."""
    return [(shape.id, shape.describe(lab)) for shape in SHAPES.values()]


def observed_shape(*, requests: int, errors: int, max_in_handler: int) -> ShapeId:
    """The shape a run had, from its measurement: failures first, then how many requests
    were in the handler at once (all of them, one, or a pool's worth in between)."""
    if errors > 0:
        return "some-fail"
    if max_in_handler <= 1 and requests > 1:
        return "one-at-a-time"
    if max_in_handler >= ALL_AT_ONCE_SHARE * requests:
        return "all-at-once"
    return "waves"


@dataclass(frozen=True)
class Judgement:
    right: bool | None
    """None: nothing to judge (no guess, or the run did not finish)."""
    guess: str
    """The guess, in words."""
    measured: str
    """What was measured, in the guess's terms."""
    text: str


def _lab_of(stored_lab: dict[str, Any] | None) -> LabInfo | None:
    info = (stored_lab or {}).get("info")
    return LabInfo.from_json(info) if info else None


def judge(
    guess: dict[str, Any] | None,
    summary: dict[str, Any] | None,
    *,
    status: str,
    lab: dict[str, Any] | None = None,
) -> Judgement | None:
    """Was the stored `guess` right about the run's `summary`? None without a guess. A run that
    did not end `done` (cancelled, interrupted, failed) is not judged. `lab`: the run's stored
    lab (`{"settings", "info"}`), whose facts the shapes' labels name."""
    if not guess:
        return None
    facts = _lab_of(lab)
    if guess["kind"] == "makespan":
        said = f"a makespan of {guess['value']:,.2f} s"
    else:
        said = SHAPES[guess["value"]].describe(facts)
    if summary is None or status != "done":
        return Judgement(None, said, "-", f"Not judged: the run ended {status}.")
    if guess["kind"] == "makespan":
        measured_s = summary["makespan_s"]
        off = (guess["value"] - measured_s) / measured_s if measured_s else float("inf")
        right = abs(off) <= TOLERANCE
        measured = f"{measured_s:,.2f} s"
        how = f"within {round(TOLERANCE * 100)}%" if right else f"{abs(off):.0%} off"
        text = f"{'Right' if right else 'Not quite'}: you said {said}, it took {measured} ({how})."
        return Judgement(right, said, measured, text)
    shape = observed_shape(
        requests=summary["requests"],
        errors=summary["errors"],
        max_in_handler=summary["max_in_handler"],
    )
    most = summary["max_in_handler"]
    measured = {
        "some-fail": f"with {summary['errors']:,} failed",
        "one-at-a-time": "one at a time (at most 1 in the handler)",
        "all-at-once": f"all at once ({most:,} of {summary['requests']:,} in the handler)",
        "waves": f"in waves of {most:,} (at most {most:,} in the handler at once)",
    }[shape]
    right = shape == guess["value"]
    text = f"{'Right' if right else 'Not quite'}: you said {said}; it ran {measured}."
    return Judgement(right, said, measured, text)
