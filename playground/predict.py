"""Predictions: what a variant's queue model says a run should take, before it runs.

A variant is a queue with `servers` slots (threads, event loops, processes, or no limit),
each busy `service_s` per request, after the work each request costs the event loop (the
lab's calibrated per-request cost, a thread hop, a client built). Each load model
(`playground/load/`) turns that queue into its own prediction: a burst is the loop's work
plus its waves; users, a ramp and a rate are capped by the slots' or the loop's throughput.
"""

from __future__ import annotations

from dataclasses import replace

from playground.lab.info import LabInfo
from playground.load import LOAD_MODELS, Prediction
from playground.scenarios import SCENARIOS, QueueModel
from playground.schemas import RunRequest

__all__ = ["Prediction", "predict", "queue_model"]

LOOP_TERM = "N × loop cost + "
"""How a burst's model line begins: every request's own work on the event loop."""


def queue_model(request: RunRequest, lab: LabInfo) -> QueueModel:
    variant = SCENARIOS[request.scenario].variants_by_id[request.variant]
    return variant.model(request.full_params(), lab)


def predict(request: RunRequest, lab: LabInfo) -> Prediction:
    arrival = request.arrival
    variant = SCENARIOS[request.scenario].variants_by_id[request.variant]
    prediction = LOAD_MODELS[arrival.model].predict(queue_model(request, lab), arrival)
    model_text = prediction.model_text or LOOP_TERM + variant.model_line(lab)
    return replace(prediction, model_text=model_text, partial=variant.partial)
