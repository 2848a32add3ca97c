"""Chrome's Trace Event Format, for Perfetto (ui.perfetto.dev) and chrome://tracing.

The harness and each lab worker are processes. A request is a nestable async slice on the
harness (`cat` "request", its index as `id`: requests overlap) with its phases inside it:
waiting (sent → the handler began), in handler, and the way back. The lab shows the handler on
the thread that ran it (`cat` "handler"), and each part it reported (`cat` "part", an id of its
own, since the parts of a fan-out overlap). The bystander's latency and the lab's lanes are
counters. Timestamps are microseconds on the run's clock.
"""

from __future__ import annotations

import json
from typing import Any

from playground.exports.describe import settings_text
from playground.exports.run import RunExport, arrived_s

Event = dict[str, Any]
REQUESTS_TID = 0
BYSTANDER_TID = 1


def _us(seconds: float) -> float:
    return round(seconds * 1_000_000, 3)


def _meta(kind: str, pid: int, tid: int, name: str) -> Event:
    return {"name": kind, "ph": "M", "pid": pid, "tid": tid, "ts": 0, "args": {"name": name}}


def _slice(
    name: str,
    cat: str,
    ident: int | str,
    pid: int,
    tid: int,
    began: float,
    ended: float,
    args: dict[str, Any] | None = None,
) -> list[Event]:
    common = {"name": name, "cat": cat, "id": ident, "pid": pid, "tid": tid}
    begin: Event = {**common, "ph": "b", "ts": _us(began)}
    if args:
        begin["args"] = args
    return [begin, {**common, "ph": "e", "ts": _us(max(began, ended))}]


def run_trace(export: RunExport) -> bytes:
    lab_pids = sorted({row["pid"] for row in export.timeline if row["pid"] is not None})
    lab_pids += [
        int(s["pid"])
        for samples in export.lanes.values()
        for s in samples
        if s.get("pid") is not None and int(s["pid"]) not in lab_pids
    ]
    lab_pids = sorted(set(lab_pids))
    harness = 1
    while harness in lab_pids:
        harness += 1
    metadata: list[Event] = [
        _meta("process_name", harness, 0, "harness (aiohttp, the playground)"),
        _meta("thread_name", harness, REQUESTS_TID, "requests"),
        _meta("thread_name", harness, BYSTANDER_TID, "bystander pings"),
    ]
    for pid in lab_pids:
        metadata.append(_meta("process_name", pid, 0, f"lab (uvicorn, pid {pid})"))
    threads: dict[tuple[int, str], int] = {}

    def tid_of(pid: int, thread: str) -> int:
        if (pid, thread) not in threads:
            threads[pid, thread] = len(threads) + 1
            metadata.append(_meta("thread_name", pid, threads[pid, thread], thread))
        return threads[pid, thread]

    end = export.end_s
    events: list[Event] = []
    for row in export.timeline:
        i = row["i"]
        sent, began, ended = row["sent_s"], row["began_s"], row["ended_s"]
        received = row["received_s"] if row["received_s"] is not None else end
        args = {
            key: value
            for key, value in (
                ("status_code", row["status_code"]),
                ("error", row["error"]),
                ("arrived_s", arrived_s(row)),
            )
            if value is not None
        }
        name = f"request #{i}" + (" (failed)" if row["error"] else "")
        begin, finish = _slice(name, "request", i, harness, REQUESTS_TID, sent, received, args)
        events.append(begin)
        if began is not None and ended is not None:
            events += _slice("waiting", "request", i, harness, REQUESTS_TID, sent, began)
            events += _slice("in handler", "request", i, harness, REQUESTS_TID, began, ended)
            events += _slice("way back", "request", i, harness, REQUESTS_TID, ended, received)
        events.append(finish)
        if began is None or ended is None or row["pid"] is None:
            continue
        tid = tid_of(row["pid"], row["thread"] or "handler")
        events += _slice(f"handler #{i}", "handler", i, row["pid"], tid, began, ended)
        for k, part in enumerate(row["spans"]):
            events += _slice(
                str(part.get("name", "part")),
                "part",
                f"{i}.{k}",
                row["pid"],
                tid,
                float(part["began"]),
                float(part["ended"]),
                {"request": i},
            )
    for ping in export.bystander:
        if ping["latency_ms"] is not None:
            events.append(
                {
                    "name": "bystander latency",
                    "ph": "C",
                    "pid": harness,
                    "tid": BYSTANDER_TID,
                    "ts": _us(ping["at_s"]),
                    "args": {"ms": round(ping["latency_ms"], 3)},
                }
            )
        else:
            events.append(
                {
                    "name": "bystander failed",
                    "ph": "i",
                    "s": "t",
                    "pid": harness,
                    "tid": BYSTANDER_TID,
                    "ts": _us(ping["at_s"]),
                    "args": {"error": ping["error"]},
                }
            )
    for lane, samples in export.lanes.items():
        for sample in samples:
            sampled_in = sample.get("pid")
            events.append(
                {
                    "name": lane,
                    "ph": "C",
                    "pid": int(sampled_in) if sampled_in is not None else harness,
                    "tid": 0,
                    "ts": _us(float(sample["at_s"])),
                    "args": {"value": float(sample["value"])},
                }
            )
    events.sort(key=lambda event: event["ts"])  # stable: a phase's end stays before the next
    body = {
        "traceEvents": metadata + events,
        "displayTimeUnit": "ms",
        "otherData": {"run": export.title, "settings": settings_text(export.record)},
    }
    return json.dumps(body, separators=(",", ":")).encode()
