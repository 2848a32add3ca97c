"""A run's life as one object: its state, what it measured so far, and one clock zero.

    pending ─▶ running ─▶ finishing ─▶ done | failed
       │          │            ▲
       └──────────┴─▶ cancelling ─▶ (finishing) ─▶ cancelled | interrupted

Every change of state goes through `Run.move`, which refuses the moves `TRANSITIONS` does
not list. The outcome (the final state) is decided once, on entering `cancelling` or
`finishing`, and never changes after: whatever a cancel answered is what gets stored.

Times in `sent`, `rows` and `pings`, and `elapsed_s()`, count from one zero: the harness's
`t0`, a `perf_counter()` reading taken in the harness process (CLOCK_MONOTONIC, one clock for
the whole machine).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from time import perf_counter
from typing import Literal, get_args

from playground.predict import Prediction
from playground.schemas import BystanderRow, LaneSample, RequestRow, RunRequest

__all__ = ["TRANSITIONS", "Final", "IllegalTransition", "Run", "State"]

State = Literal[
    "pending", "running", "cancelling", "finishing", "done", "cancelled", "failed", "interrupted"
]
Final = Literal["done", "cancelled", "failed", "interrupted"]
FINAL: frozenset[State] = frozenset(get_args(Final))

TRANSITIONS: dict[State, frozenset[State]] = {
    "pending": frozenset({"running", "cancelling", "finishing"}),
    "running": frozenset({"cancelling", "finishing"}),
    "cancelling": frozenset({"finishing"}),
    "finishing": FINAL,
    "done": frozenset(),
    "cancelled": frozenset(),
    "failed": frozenset(),
    "interrupted": frozenset(),
}
STOPPED_AS: frozenset[Final] = frozenset({"cancelled", "interrupted"})
"""The outcomes a run can be stopped as from outside (`cancelling`)."""


class IllegalTransition(RuntimeError):
    pass


@dataclass(eq=False)
class Run:
    """One run: its state machine, and what it measured so far, appended as it arrives."""

    id: int
    request: RunRequest
    prediction: Prediction | None
    state: State = "pending"
    outcome: Final | None = None
    """Decided on entering `cancelling` or `finishing`; the state the run ends in."""
    error: str | None = None
    t0: float | None = None
    """The harness's clock zero; None until the harness has started."""
    sent: list[tuple[int, float]] = field(default_factory=list)
    rows: list[RequestRow] = field(default_factory=list)
    pings: list[BystanderRow] = field(default_factory=list)
    lanes: dict[str, list[LaneSample]] = field(default_factory=dict)
    """What the lab sampled, filed by `playground.lanes.LaneCollector` while it follows the run."""
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    """Set on reaching a final state, once the outcome is stored."""

    def move(self, to: State, *, outcome: Final | None = None, error: str | None = None) -> None:
        """The one way to change state. `outcome` is required on entering `cancelling` or
        `finishing` from a state that has none yet, and refused once decided."""
        if to not in TRANSITIONS[self.state]:
            raise IllegalTransition(f"run {self.id}: {self.state} → {to} is not allowed")
        if to == "cancelling" and outcome not in STOPPED_AS:
            raise IllegalTransition(f"run {self.id}: a run is stopped as one of {STOPPED_AS}")
        if to in ("cancelling", "finishing"):
            if self.outcome is None:
                if outcome is None:
                    raise IllegalTransition(f"run {self.id}: {to} needs an outcome")
                self.outcome, self.error = outcome, error
            elif outcome is not None and outcome != self.outcome:
                raise IllegalTransition(
                    f"run {self.id}: its outcome is already {self.outcome}, not {outcome}"
                )
        if to in FINAL and to != self.outcome:
            raise IllegalTransition(f"run {self.id}: it ends {self.outcome}, not {to}")
        self.state = to
        if to in FINAL:
            self.finished.set()

    @property
    def ended(self) -> bool:
        return self.state in FINAL

    @property
    def stopping(self) -> bool:
        """Its outcome is decided: it only has to wind down and be stored."""
        return self.outcome is not None

    def settle(self, outcome: Final, error: str | None = None) -> None:
        """Move to `finishing` as `outcome`, unless a cancel already decided how it ends."""
        if self.stopping:
            self.move("finishing")
        else:
            self.move("finishing", outcome=outcome, error=error)

    def started(self, t0: float) -> None:
        """The harness began firing at `t0`."""
        self.t0 = t0
        if self.state == "pending":
            self.move("running")

    def elapsed_s(self) -> float:
        """Seconds since the harness's t0, on the clock of the rows (0 before it started)."""
        return 0.0 if self.t0 is None else perf_counter() - self.t0
