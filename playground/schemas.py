"""What the API accepts, validated with messages a person understands, and what it returns."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypedDict

from pydantic import BaseModel, ConfigDict, Field, model_validator

from playground.scenarios import SCENARIOS

MAX_REQUESTS = 10_000
MAX_USERS = 1_000
MAX_DURATION_S = 120.0
MAX_THINK_S = 60.0
MAX_RATE_RPS = 2_000.0


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Burst(_Frozen):
    """N requests, at most C in flight at once."""

    model: Literal["burst"] = "burst"
    requests: int = Field(100, ge=1, le=MAX_REQUESTS, description="N: how many requests.")
    concurrency: int | None = Field(
        None, ge=1, le=MAX_REQUESTS, description="C: most requests in flight; empty: all at once."
    )

    @model_validator(mode="after")
    def _concurrency_within_requests(self) -> Burst:
        if self.concurrency is not None and self.concurrency > self.requests:
            raise ValueError(
                f"concurrency ({self.concurrency:,}) cannot exceed requests ({self.requests:,}); "
                "leave it empty to send all at once"
            )
        return self

    @property
    def in_flight(self) -> int:
        return self.concurrency or self.requests


class Users(_Frozen):
    """U closed-loop users, each: request, think a time drawn from [a, b]; for T seconds."""

    model: Literal["users"] = "users"
    users: int = Field(100, ge=1, le=MAX_USERS)
    think_min_s: float = Field(1.0, ge=0, le=MAX_THINK_S)
    think_max_s: float = Field(3.0, ge=0, le=MAX_THINK_S)
    duration_s: float = Field(10.0, ge=1, le=MAX_DURATION_S)

    @model_validator(mode="after")
    def _think_range_in_order(self) -> Users:
        if self.think_min_s > self.think_max_s:
            raise ValueError(
                f"think_min_s ({self.think_min_s}) cannot exceed think_max_s ({self.think_max_s})"
            )
        return self


class Rate(_Frozen):
    """Open loop: R requests a second for T seconds, each on schedule whatever came back."""

    model: Literal["rate"] = "rate"
    rate_rps: float = Field(50.0, gt=0, le=MAX_RATE_RPS)
    duration_s: float = Field(10.0, ge=1, le=MAX_DURATION_S)

    @model_validator(mode="after")
    def _total_within_cap(self) -> Rate:
        if self.total > MAX_REQUESTS:
            raise ValueError(
                f"rate × duration is {self.total:,} requests; at most {MAX_REQUESTS:,} per run"
            )
        return self

    @property
    def total(self) -> int:
        return max(1, round(self.rate_rps * self.duration_s))


Arrival = Annotated[Burst | Users | Rate, Field(discriminator="model")]


class RunRequest(_Frozen):
    scenario: str = Field(examples=["sleep"])
    variant: str = Field(examples=["async"])
    arrival: Arrival = Field(default_factory=lambda: Burst())
    params: dict[str, int] = Field(default_factory=dict, examples=[{"delay_ms": 200}])

    @model_validator(mode="after")
    def _known_scenario_variant_and_params(self) -> RunRequest:
        scenario = SCENARIOS.get(self.scenario)
        if scenario is None:
            raise ValueError(
                f"unknown scenario {self.scenario!r}; choose one of: {', '.join(SCENARIOS)}"
            )
        if self.variant not in scenario.variants_by_id:
            raise ValueError(
                f"unknown variant {self.variant!r} of scenario {scenario.id!r}; "
                f"choose one of: {', '.join(scenario.variants_by_id)}"
            )
        known = {param.name: param for param in scenario.params}
        unknown = sorted(set(self.params) - set(known))
        if unknown:
            raise ValueError(
                f"unknown parameter {', '.join(unknown)} for scenario {scenario.id!r}; "
                f"it takes: {', '.join(known) or 'none'}"
            )
        for name, value in self.params.items():
            param = known[name]
            if not param.min <= value <= param.max:
                raise ValueError(f"{name} must be within {param.describe_range()}, not {value:,}")
        return self

    def full_params(self) -> dict[str, int]:
        """The params with every default filled in."""
        return {**SCENARIOS[self.scenario].default_params(), **self.params}


class LabSettingsIn(_Frozen):
    """The lab's knobs a user may turn; changing one restarts the lab."""

    threadpool: int = Field(40, ge=1, le=1_000, description="Threads for `def` endpoints.")
    workers: int = Field(1, ge=1, le=4, description="uvicorn worker processes.")
    processes: int = Field(2, ge=1, le=32, description="Process pool of the CPU scenario.")


class Created(BaseModel):
    id: int


class Summary(TypedDict):
    requests: int
    completed: int
    errors: int
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
