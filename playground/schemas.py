"""What the API accepts, validated with messages a person understands, and what it returns."""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired, TypedDict

from pydantic import BaseModel, ConfigDict, Field, model_validator

from playground.guess import MAX_MAKESPAN_GUESS_S, ShapeId
from playground.load import Arrival, Burst, Ramp, Rate, Users
from playground.scenarios import SCENARIOS
from playground.strict_json import StrictModel
from playground.verdict import Verdict

__all__ = [
    "CANCELLED_ERROR",
    "Arrival",
    "Burst",
    "BystanderRow",
    "Created",
    "Guess",
    "LabSettingsIn",
    "MakespanGuess",
    "Ramp",
    "Rate",
    "RequestRow",
    "RunLabels",
    "RunRequest",
    "SeriesRequest",
    "ShapeGuess",
    "Summary",
    "Users",
]


def _check_request(scenario_id: str, variant: str | None, params: dict[str, int]) -> None:
    """A known scenario, one of its variants (unless None), and params within its limits."""
    scenario = SCENARIOS.get(scenario_id)
    if scenario is None:
        raise ValueError(f"unknown scenario {scenario_id!r}; choose one of: {', '.join(SCENARIOS)}")
    if variant is not None and variant not in scenario.variants_by_id:
        raise ValueError(
            f"unknown variant {variant!r} of scenario {scenario.id!r}; "
            f"choose one of: {', '.join(scenario.variants_by_id)}"
        )
    known = {param.name: param for param in scenario.params}
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise ValueError(
            f"unknown parameter {', '.join(unknown)} for scenario {scenario.id!r}; "
            f"it takes: {', '.join(known) or 'none'}"
        )
    for name, value in params.items():
        param = known[name]
        if not param.min <= value <= param.max:
            raise ValueError(f"{name} must be within {param.describe_range()}, not {value:,}")


class MakespanGuess(StrictModel):
    """A guess of the run's makespan, in seconds."""

    kind: Literal["makespan"]
    value: float = Field(gt=0, le=MAX_MAKESPAN_GUESS_S, examples=[2.5])


class ShapeGuess(StrictModel):
    """A guess of the timeline's shape: one of `playground.guess.SHAPES`."""

    kind: Literal["shape"]
    value: ShapeId


Guess = Annotated[MakespanGuess | ShapeGuess, Field(discriminator="kind")]
"""What a learner committed to before the run (predict, then reveal); stored with the run."""


class RunRequest(StrictModel):
    """A run as the API takes it: strict, so `true` is no 1 and `"5"` no 5. The page's form
    posts strings and validates the same model with `strict=False` (`pages.request_from_form`).
    """

    scenario: str = Field(examples=["sleep"])
    variant: str = Field(examples=["async"])
    arrival: Arrival = Field(default_factory=lambda: Burst())
    params: dict[str, int] = Field(default_factory=dict, examples=[{"delay_ms": 200}])
    guess: Guess | None = Field(
        None, description="A guess made before the run, hidden from its page until revealed."
    )

    @model_validator(mode="after")
    def _known_scenario_variant_and_params(self) -> RunRequest:
        _check_request(self.scenario, self.variant, self.params)
        return self

    def full_params(self) -> dict[str, int]:
        """The params with every default filled in."""
        return {**SCENARIOS[self.scenario].default_params(), **self.params}


class LabSettingsIn(StrictModel):
    """The lab's knobs a user may turn; changing one restarts the lab."""

    model_config = ConfigDict(strict=False)  # the page's form posts them as text

    threadpool: int = Field(40, ge=1, le=1_000, description="Threads for `def` endpoints.")
    workers: int = Field(1, ge=1, le=4, description="uvicorn worker processes.")
    processes: int = Field(2, ge=1, le=32, description="Process pool of the CPU scenario.")


class Created(BaseModel):
    id: int


class Reading(TypedDict):
    """One finding of a run's plain-language reading (`playground/reading.py`)."""

    lane: str
    """What it reads: a lane's name, `connecting` (sent → arrived) or `quiet`."""
    alarm: bool
    text: str
    """A sentence; `code` in backticks."""
    headline: NotRequired[str]
    """The finding in a few words with its figure, for a table of runs ("loop blocked 97%");
    runs stored before it have none."""


CANCELLED_ERROR = "cancelled"
"""The error of a request never answered because its run was cancelled or interrupted: counted
apart from the failures (`Summary.cancelled`) and drawn in the cancelled style."""


class Summary(TypedDict):
    requests: int
    completed: int
    errors: int
    """Requests that failed, not counting those cancelled."""
    cancelled: NotRequired[int]
    """Requests never answered because the run was stopped (runs stored before it lack it)."""
    makespan_s: float
    throughput_rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    max_in_handler: int
    bystander_p50_ms: float
    bystander_max_ms: float
    predicted_makespan_s: float | None
    predicted_throughput_rps: float | None
    failure: NotRequired[str | None]
    """Most requests failed, and why (runs stored before it was added lack it)."""
    verdict: NotRequired[Verdict | None]
    reading: NotRequired[list[Reading]]
    """What held requests up, read from the lanes (runs stored before it was added lack it)."""


class RequestRow(TypedDict):
    i: int
    sent_s: float
    arrived_s: float | None
    """When the lab's app first saw it: sent → arrived is the wire and the loop, arrived →
    began the wait inside the app (a threadpool token, a lock)."""
    began_s: float | None
    ended_s: float | None
    received_s: float | None
    status_code: int | None
    error: str | None
    thread: str | None
    pid: int | None
    spans: list[dict[str, Any]]


class LaneSample(TypedDict):
    """One reading of a lane the lab samples while it runs (`playground/lanes.py`)."""

    at_s: float
    value: float
    pid: int


class BystanderRow(TypedDict):
    at_s: float
    latency_ms: float | None
    error: str | None


class SeriesRequest(StrictModel):
    """Every variant of a scenario, one after another: a run's body without `variant`."""

    scenario: str = Field(examples=["sleep"])
    arrival: Arrival = Field(default_factory=lambda: Burst())
    params: dict[str, int] = Field(default_factory=dict, examples=[{"delay_ms": 200}])

    @model_validator(mode="after")
    def _valid_for_its_scenario(self) -> SeriesRequest:
        _check_request(self.scenario, None, self.params)  # a scenario's variants share its params
        return self

    def runs(self) -> list[RunRequest]:
        """One run per variant, in the order the scenario lists them."""
        return [
            RunRequest(
                scenario=self.scenario, variant=variant.id, arrival=self.arrival, params=self.params
            )
            for variant in SCENARIOS[self.scenario].variants
        ]


MAX_TITLE_CHARS = 120
MAX_NOTE_CHARS = 2_000


class RunLabels(StrictModel):
    """A run's title and note, as a person gives them: a field left out stays as it is, an
    empty one (or null) is cleared."""

    model_config = ConfigDict(str_strip_whitespace=True)

    title: str | None = Field(None, max_length=MAX_TITLE_CHARS, examples=["the pitfall, live"])
    note: str | None = Field(None, max_length=MAX_NOTE_CHARS)

    def changes(self) -> dict[str, str | None]:
        """The fields given, empty ones as None."""
        return {name: getattr(self, name) or None for name in sorted(self.model_fields_set)}
