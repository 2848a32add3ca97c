"""Predictions: what a variant's queue model says a run should take, before it runs.

A variant is a queue with `servers` slots (threads, event loops, processes, or no limit),
each busy `service_s` per request. Each load model (`playground/load/`) turns that queue into
its own prediction: a burst finishes in waves; users, a ramp and a rate are capped by the
slots' throughput.
"""

from __future__ import annotations

from playground.lab.info import LabInfo
from playground.load import LOAD_MODELS, Prediction
from playground.scenarios import SCENARIOS, QueueModel
from playground.schemas import RunRequest

__all__ = ["Prediction", "predict", "queue_model"]


def queue_model(request: RunRequest, lab: LabInfo) -> QueueModel:
    variant = SCENARIOS[request.scenario].variants_by_id[request.variant]
    return variant.model(request.full_params(), lab)


def predict(request: RunRequest, lab: LabInfo) -> Prediction:
    arrival = request.arrival
    return LOAD_MODELS[arrival.model].predict(queue_model(request, lab), arrival)
