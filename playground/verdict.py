"""The verdict on a run: did the makespan agree with what the model predicted?

Three kinds: `agrees` (within a quarter), `lesson` (further off, where the variant's model
leaves something out on purpose: the gap is what the variant shows), and `differs` (further
off, where the model meant to hold: it missed). A run that did not finish gets none.
"""

from __future__ import annotations

from typing import Literal, TypedDict

from playground.load import Prediction

__all__ = ["TOLERANCE", "UNFINISHED", "Verdict", "VerdictKind", "verdict"]

TOLERANCE = 0.25
"""How far measured may be from predicted and still agree: a quarter either way."""
UNFINISHED = frozenset({"cancelled", "interrupted", "failed"})
"""Outcomes whose makespan says nothing about the model: no verdict, no colour."""

VerdictKind = Literal["agrees", "lesson", "differs"]


class Verdict(TypedDict):
    kind: VerdictKind
    agrees: bool
    """Within the tolerance (the `agrees` kind)."""
    off_pct: int
    """How far off the prediction, in percent, rounded; positive: slower than predicted."""
    text: str


def verdict(
    makespan_s: float, prediction: Prediction | None, status: str | None = None
) -> Verdict | None:
    """None when there is nothing to compare (no prediction, nothing measured) or the run did
    not finish (`status` one of `UNFINISHED`; None: still going, judged as it stands)."""
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
    text = f"{gap}: not what the model expected ({formula})."
    return Verdict(kind="differs", agrees=False, off_pct=pct, text=text)
