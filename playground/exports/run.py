"""What every export is made from: one run as plain data, read once from the store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from playground.scenarios import SCENARIOS, lab_path
from playground.schemas import BystanderRow, RequestRow
from playground.store import RunRecord, RunStore

Lanes = Mapping[str, Sequence[Mapping[str, Any]]]
"""Lane name → samples `{"at_s", "value", "pid"}` the lab reported while the run went."""


def answered_s(ping: BystanderRow) -> float:
    """When a bystander ping's answer came (when it was sent, if none came): where the strips
    draw it, so a ping that waited out a block climbs across it."""
    return ping["at_s"] + (ping["latency_ms"] or 0) / 1000


@dataclass(frozen=True)
class RunExport:
    """A finished run with everything measured; the one input of every format."""

    record: RunRecord
    timeline: Sequence[RequestRow]
    bystander: Sequence[BystanderRow]
    lanes: Lanes = field(default_factory=dict)
    lab_url: str | None = None
    """Where the lab listens now, for a locustfile's command; None: a placeholder."""

    def filename(self, extension: str) -> str:
        record = self.record
        return f"run-{record.id}-{record.scenario}-{record.variant}.{extension}"

    @property
    def title(self) -> str:
        record = self.record
        return f"Run {record.id} · {record.scenario} · {record.variant}"

    @property
    def end_s(self) -> float:
        """The last moment anything of the run was seen, on the run's clock."""
        times = [row["received_s"] or row["sent_s"] for row in self.timeline]
        times += [answered_s(ping) for ping in self.bystander]
        return max(times, default=0.0)

    @property
    def params(self) -> dict[str, int]:
        """The endpoint's parameters with every default filled in."""
        scenario = SCENARIOS.get(self.record.scenario)
        defaults = scenario.default_params() if scenario else {}
        return {**defaults, **self.record.request.get("params", {})}

    @property
    def path(self) -> str:
        """The lab's endpoint the run requested, with its query."""
        query = "&".join(f"{name}={value}" for name, value in self.params.items())
        path = lab_path(self.record.scenario, self.record.variant)
        return f"{path}?{query}" if query else path

    def source(self) -> str | None:
        """The endpoint's code from the scenario catalogue; None if it is no longer there."""
        scenario = SCENARIOS.get(self.record.scenario)
        variant = scenario.variants_by_id.get(self.record.variant) if scenario else None
        return variant.source() if variant else None


def arrived_s(row: Mapping[str, object]) -> float | None:
    """When the lab accepted the request, for runs that measured it."""
    value = row.get("arrived_s")
    return float(value) if isinstance(value, int | float) else None


class StillRunning(RuntimeError):
    pass


async def load_export(
    store: RunStore, run_id: int, *, lab_url: str | None = None
) -> RunExport | None:
    """The run from the store, or None if there is none; `StillRunning` while it goes."""
    record = await store.get_run(run_id)
    if record is None:
        return None
    if record.status == "running":
        raise StillRunning(f"run {run_id} is still running; export it when it has ended")
    # Lanes come from the lab's sampler; a store that keeps them has a `lanes(run_id)`.
    read_lanes = getattr(store, "lanes", None)
    lanes: Lanes = await read_lanes(run_id) if read_lanes is not None else {}
    return RunExport(
        record=record,
        timeline=await store.timeline(run_id),
        bystander=await store.bystander(run_id),
        lanes=lanes,
        lab_url=lab_url,
    )
