"""The scenario catalogue: one module per scenario, its variants side by side."""

from __future__ import annotations

from playground.scenarios import sleep
from playground.scenarios.base import Param, QueueModel, Scenario, Variant

SCENARIOS: dict[str, Scenario] = {scenario.id: scenario for scenario in (sleep.SCENARIO,)}

__all__ = ["SCENARIOS", "Param", "QueueModel", "Scenario", "Variant"]
