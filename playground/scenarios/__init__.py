"""The scenario catalogue: one module per scenario, its variants side by side."""

from __future__ import annotations

from playground.scenarios import (
    cpu,
    database,
    dependency,
    external_api,
    fan_out,
    file_io,
    hello,
    session_gather,
    sleep,
)
from playground.scenarios.base import Param, QueueModel, Scenario, Variant, lab_path

SCENARIOS: dict[str, Scenario] = {
    scenario.id: scenario
    for scenario in (
        sleep.SCENARIO,
        hello.SCENARIO,
        fan_out.SCENARIO,
        cpu.SCENARIO,
        file_io.SCENARIO,
        database.SCENARIO,
        external_api.SCENARIO,
        dependency.SCENARIO,
        session_gather.SCENARIO,
    )
}

__all__ = ["SCENARIOS", "Param", "QueueModel", "Scenario", "Variant", "lab_path"]
