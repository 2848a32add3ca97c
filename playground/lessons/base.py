"""What a lesson is: a few steps, each a question asked before a run, the run's settings, a
guess, and what to notice once the measurement is revealed.

A step's settings are the API's own `RunRequest`, built when the catalogue is imported, so a
lesson can never point at a missing variant or a parameter out of its range. Its texts are
templates of the lab's facts (`{threadpool}`, `{processes}`, ...), filled by the one function
the scenarios use, `render_text`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from playground.lab.info import LabInfo
from playground.load import LOAD_MODELS
from playground.predict import queue_model
from playground.scenarios import SCENARIOS, Scenario, Variant
from playground.scenarios.base import render_text
from playground.schemas import RunRequest

__all__ = ["SHAPES", "GuessKind", "Lesson", "Shape", "Step", "expected_shape", "step"]

GuessKind = Literal["shape", "makespan"]


@dataclass(frozen=True)
class Shape:
    """One answer to "how do they run?"; `key` is the key that picks it on the page."""

    id: str
    label: str
    key: str


SHAPES: tuple[Shape, ...] = (
    Shape("all-at-once", "all at once", "1"),
    Shape("waves", "in waves, a pool's width at a time", "2"),
    Shape("one-at-a-time", "one at a time", "3"),
    Shape("fail", "they fail", "4"),
)
SHAPES_BY_ID = {shape.id: shape for shape in SHAPES}


@dataclass(frozen=True)
class Step:
    question: str
    """Asked before the run; a template of the lab's facts."""
    run: RunRequest
    guess: GuessKind
    notice: str
    """What to notice once the measurement is revealed; a template of the lab's facts."""

    def ask(self, lab: LabInfo | None) -> str:
        return render_text(self.question, lab)

    def what_to_notice(self, lab: LabInfo | None) -> str:
        return render_text(self.notice, lab)

    @property
    def scenario(self) -> Scenario:
        return SCENARIOS[self.run.scenario]

    @property
    def variant(self) -> Variant:
        return self.scenario.variants_by_id[self.run.variant]

    def settings_in_words(self) -> str:
        """ "100 requests, 100 at once · delay = 100 ms" for the page."""
        words = [self.run.arrival.describe()]
        units = {param.name: param for param in self.scenario.params}
        for name, value in self.run.full_params().items():
            words.append(f"{units[name].label.lower()} = {value:,} {units[name].unit}".rstrip())
        return " · ".join(words)

    def form(self) -> dict[str, str]:
        """The step as the page's run form posts it (`pages.request_from_form` reads it)."""
        fields = {"scenario": self.run.scenario, "variant": self.run.variant}
        fields.update(
            {k: str(v) for k, v in self.run.arrival.model_dump(exclude_none=True).items()}
        )
        fields.update({f"param.{k}": str(v) for k, v in self.run.params.items()})
        return fields


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    summary: str
    steps: tuple[Step, ...]
    number: int = field(default=0, compare=False)
    """Its place in the catalogue, from 1 (set when the catalogue is built)."""

    def step(self, number: int) -> Step | None:
        """Step `number`, counted from 1, or None."""
        return self.steps[number - 1] if 1 <= number <= len(self.steps) else None


def step(
    question: str,
    *,
    scenario: str,
    variant: str,
    arrival: dict[str, Any],
    params: dict[str, int],
    guess: GuessKind,
    notice: str,
) -> Step:
    """A step, its settings validated as the API validates a run (a ValidationError if not)."""
    run = RunRequest.model_validate(
        {"scenario": scenario, "variant": variant, "arrival": arrival, "params": params}
    )
    assert run.arrival.model in LOAD_MODELS
    return Step(question, run, guess, notice)


def expected_shape(step: Step, lab: LabInfo) -> tuple[Shape, str]:
    """What the variant's queue model says about how the step's requests run, and why, in
    words: the answer a shape guess is compared with."""
    if step.variant.status != 200:
        return SHAPES_BY_ID["fail"], f"the endpoint answers {step.variant.status}"
    model = queue_model(step.run, lab)
    in_flight = step.run.arrival.in_flight
    total = step.run.arrival.total or in_flight
    at_once = min(in_flight, total) if in_flight else total
    if model.servers is None or model.servers >= at_once:
        limit = (
            f"{model.servers_label} for {at_once:,} requests"
            if model.servers
            else "nothing limits them"
        )
        return SHAPES_BY_ID["all-at-once"], limit
    if model.servers == 1:
        return SHAPES_BY_ID["one-at-a-time"], f"{model.servers_label} for {at_once:,} requests"
    return SHAPES_BY_ID["waves"], f"{model.servers_label} at a time, for {at_once:,} requests"
