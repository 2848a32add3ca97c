"""Predictions: what a variant's queue model says a run should take, before it runs.

A variant is a queue with `servers` slots (threads, event loops, processes, or no limit),
each busy `service_s` per request. A burst then finishes in waves; closed-loop users and an
open-loop rate are capped by the slots' throughput.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from playground.lab.info import LabInfo
from playground.scenarios import SCENARIOS, QueueModel
from playground.schemas import Burst, Rate, RunRequest, Users


@dataclass(frozen=True)
class Prediction:
    makespan_s: float
    throughput_rps: float | None
    formula: str
    """The model with this run's numbers in it, in one line."""


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def _capacity_rps(model: QueueModel) -> float:
    if model.servers is None or model.service_s <= 0:
        return math.inf
    return model.servers / model.service_s


def _burst(model: QueueModel, arrival: Burst) -> Prediction:
    n, c = arrival.requests, arrival.in_flight
    slots = min(c, model.servers) if model.servers else c
    waves = math.ceil(n / slots)
    makespan = waves * model.service_s
    limit = f"min(C={c:,}, {model.servers_label})" if model.servers else f"C={c:,}"
    return Prediction(
        makespan_s=makespan,
        throughput_rps=n / makespan if makespan > 0 else None,
        formula=f"ceil(N={n:,} / {limit}) = {waves:,} wave{'s' * (waves != 1)}"
        f" × {_ms(model.service_s)} = {makespan:.2f} s",
    )


def _users(model: QueueModel, arrival: Users) -> Prediction:
    cycle = model.service_s + (arrival.think_min_s + arrival.think_max_s) / 2
    offered = arrival.users / cycle if cycle > 0 else math.inf
    capacity = _capacity_rps(model)
    throughput = min(offered, capacity)
    cap_text = f"{model.servers_label} / {_ms(model.service_s)}" if capacity < math.inf else "∞"
    return Prediction(
        makespan_s=arrival.duration_s + model.service_s,
        throughput_rps=throughput if throughput < math.inf else None,
        formula=f"min(U={arrival.users:,} / {cycle:.2f} s per cycle, {cap_text})"
        f" = {throughput:,.1f} req/s for {arrival.duration_s:g} s",
    )


def _rate(model: QueueModel, arrival: Rate) -> Prediction:
    capacity = _capacity_rps(model)
    throughput = min(arrival.rate_rps, capacity)
    busy = arrival.total / throughput
    return Prediction(
        makespan_s=max(arrival.duration_s, busy) + model.service_s,
        throughput_rps=throughput,
        formula=f"min(R={arrival.rate_rps:g}/s, capacity {capacity:,.1f}/s)"
        f" = {throughput:,.1f} req/s; {arrival.total:,} requests take {busy:.2f} s",
    )


def queue_model(request: RunRequest, lab: LabInfo) -> QueueModel:
    variant = SCENARIOS[request.scenario].variants_by_id[request.variant]
    return variant.model(request.full_params(), lab)


def predict(request: RunRequest, lab: LabInfo) -> Prediction:
    model = queue_model(request, lab)
    arrival = request.arrival
    if isinstance(arrival, Burst):
        return _burst(model, arrival)
    if isinstance(arrival, Users):
        return _users(model, arrival)
    return _rate(model, arrival)
