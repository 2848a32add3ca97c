"""The verdict on a run: did the makespan agree with what the model predicted?

Four kinds: `agrees` (within a quarter), `lesson` (further off, where the variant's model
leaves something out on purpose: the gap is what the variant shows), `crowded` (further off,
while the lab's event loop waited for a core: other work had the machine, which no model of
the lab's own work predicts), and `differs` (further off, where the model meant to hold: it
missed). A run that did not finish gets none.
"""

from __future__ import annotations

from typing import Literal, TypedDict

from playground.load import Prediction

__all__ = ["CPU_WAIT_SHARE", "TOLERANCE", "UNFINISHED", "Verdict", "VerdictKind", "verdict"]

TOLERANCE = 0.25
"""How far measured may be from predicted and still agree: a quarter either way."""
UNFINISHED = frozenset({"cancelled", "interrupted", "failed"})
"""Outcomes whose makespan says nothing about the model: no verdict, no colour."""
CPU_WAIT_SHARE = 0.1
"""The loop's wait for a core is named (in the verdict, and in the reading of the lanes) when
it waited a tenth of the run: the run's times are then stretched by as much, which no model of
the lab's own work predicts."""

VerdictKind = Literal["agrees", "lesson", "crowded", "differs"]


class Verdict(TypedDict):
    kind: VerdictKind
    agrees: bool
    """Within the tolerance (the `agrees` kind)."""
    off_pct: int
    """How far off the prediction, in percent, rounded; positive: slower than predicted."""
    text: str


def verdict(
    makespan_s: float,
    prediction: Prediction | None,
    status: str | None = None,
    loop_waited: float = 0.0,
) -> Verdict | None:
    """None when there is nothing to compare (no prediction, nothing measured) or the run did
    not finish (`status` one of `UNFINISHED`; None: still going, judged as it stands).
    `loop_waited`: the share of the run the lab's event loop waited for a core."""
    if prediction is None or not prediction.makespan_s or not makespan_s:
        return None
    if status in UNFINISHED:
        return None
    predicted_s, formula = prediction.makespan_s, prediction.formula
    off = (makespan_s - predicted_s) / predicted_s
    pct = round(off * 100)
    if abs(off) <= TOLERANCE:
        text = f"As predicted, within {abs(pct)}%: {formula}."
        return Verdict(kind="agrees", agrees=True, off_pct=pct, text=text)
    side = "over" if off > 0 else "under"
    gap = (
        f"Measured {makespan_s:,.2f} s is {abs(pct)}% {side} the prediction of {predicted_s:,.2f} s"
    )
    if prediction.partial:
        text = f"{gap}, as the lesson says: the model leaves out {prediction.partial}."
        return Verdict(kind="lesson", agrees=False, off_pct=pct, text=text)
    if loop_waited >= CPU_WAIT_SHARE:
        waited = min(100, round(loop_waited * 100))
        text = (
            f"{gap}, while the lab's event loop waited for a core {waited}% of the run: other "
            f"work had the machine, and the model counts only the lab's own ({formula})."
        )
        return Verdict(kind="crowded", agrees=False, off_pct=pct, text=text)
    text = f"{gap}: not what the model expected ({formula})."
    return Verdict(kind="differs", agrees=False, off_pct=pct, text=text)
