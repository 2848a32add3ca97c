"""The verdict on a run: did the makespan agree with what the model predicted?"""

from __future__ import annotations

from typing import TypedDict

__all__ = ["TOLERANCE", "Verdict", "verdict"]

TOLERANCE = 0.25
"""How far measured may be from predicted and still agree: a quarter either way."""


class Verdict(TypedDict):
    agrees: bool
    off_pct: int
    """How far off the prediction, in percent, rounded; positive: slower than predicted."""
    text: str


def verdict(makespan_s: float, predicted_s: float | None, formula: str) -> Verdict | None:
    """None when there is nothing to compare (no prediction, or nothing measured)."""
    if not predicted_s or not makespan_s:
        return None
    off = (makespan_s - predicted_s) / predicted_s
    pct = round(off * 100)
    if abs(off) > TOLERANCE:
        side = "over" if off > 0 else "under"
        text = (
            f"Measured {makespan_s:,.2f} s is {abs(pct)}% {side} the prediction of "
            f"{predicted_s:,.2f} s: the model leaves something out here ({formula})."
        )
        return Verdict(agrees=False, off_pct=pct, text=text)
    return Verdict(
        agrees=True, off_pct=pct, text=f"Within {abs(pct)}% of the prediction: {formula}."
    )
