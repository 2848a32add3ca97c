"""A locustfile that puts the run's load on the lab again, for Locust (locust.io) to measure.

Burst: C users that share N requests (`--iterations N`, then Locust quits), in one process
only (under workers each would count N of its own), each request on a connection of its own
unless the run kept them alive, as the harness sends them; users: Locust's `between(a, b)`; rate:
`constant_throughput`, spread over enough users that each has time for its requests; ramp: a
`LoadTestShape`. The command to run it is in the file's first lines.
"""

from __future__ import annotations

import math
from typing import Any

from playground.exports.describe import load_text
from playground.exports.run import RunExport
from playground.lab.calibrate import CLOSE
from playground.load import Burst

PLACEHOLDER_HOST = "http://127.0.0.1:PORT"


class NoLocustEquivalent(ValueError):
    pass


_BURST = """
from locust import HttpUser, constant, events, task
from locust.exception import StopUser
from locust.runners import LocalRunner
import gevent

REQUESTS = {requests}
HEADERS = {headers!r}  # {headers_why}
ONE_PROCESS = (
    "a burst's users share one count of requests, which lives in one Locust process: "
    "run this file without --master, --worker or --processes"
)


@events.init.add_listener
def _one_process(environment, **kwargs):
    if not isinstance(environment.runner, LocalRunner):  # each process would send them all
        raise SystemExit(ONE_PROCESS)


@events.init_command_line_parser.add_listener
def _iterations(parser):
    parser.add_argument("--iterations", type=int, default=REQUESTS,
                        help="requests in all; Locust quits when they are answered")


sent = answered = 0


class Burst(HttpUser):
    \"\"\"{in_flight} users share the requests: at most {in_flight} in flight, as in the run.\"\"\"

    wait_time = constant(0)

    @task
    def request(self):
        global sent, answered
        total = self.environment.parsed_options.iterations
        if sent >= total:
            raise StopUser()
        sent += 1
        self.client.get(PATH, name=NAME, headers=HEADERS)
        answered += 1
        if answered == total:
            gevent.spawn(self.environment.runner.quit)
"""

_USERS = """
from locust import HttpUser, between, task


class Visitor(HttpUser):
    \"\"\"Request, then think {think_min:g}–{think_max:g} s, like the run's users.\"\"\"

    wait_time = between({think_min!r}, {think_max!r})

    @task
    def request(self):
        self.client.get(PATH, name=NAME)
"""

_RATE = """
from locust import HttpUser, constant_throughput, task


class Paced(HttpUser):
    \"\"\"{users} users × {per_user:g} req/s each = {rate:g} req/s, as the run's rate.\"\"\"

    wait_time = constant_throughput({per_user!r})

    @task
    def request(self):
        self.client.get(PATH, name=NAME)
"""

_RAMP = """
from locust import HttpUser, LoadTestShape, between, task

START_USERS, END_USERS, DURATION_S = {start}, {end}, {duration!r}


class Visitor(HttpUser):
    wait_time = between({think_min!r}, {think_max!r})

    @task
    def request(self):
        self.client.get(PATH, name=NAME)


class Ramp(LoadTestShape):
    \"\"\"From {start} to {end} users in a straight line over {duration:g} s, then stop.\"\"\"

    def tick(self):
        run_time = self.get_run_time()
        if run_time > DURATION_S:
            return None
        users = round(START_USERS + (END_USERS - START_USERS) * run_time / DURATION_S)
        return max(users, 1), max(abs(END_USERS - START_USERS) / DURATION_S, 1.0)
"""


def _rate_users(export: RunExport, rate: float) -> int:
    """Enough users that each waits at least its slowest answer between requests."""
    summary = export.record.summary
    slowest_s = summary["max_ms"] / 1000 if summary else 1.0
    return max(1, math.ceil(rate * max(1.0, 2 * slowest_s)))


def _body(export: RunExport, arrival: dict[str, Any]) -> tuple[str, str]:
    """(the options of the command, the code)."""
    model = arrival.get("model")
    if model == "burst":
        requests = int(arrival["requests"])
        in_flight = int(arrival.get("concurrency") or requests)
        options = f"--users {in_flight} --spawn-rate {in_flight} --iterations {requests}"
        per_request = Burst.model_validate(arrival).connection_per_request
        code = _BURST.format(
            requests=requests,
            in_flight=in_flight,
            headers=CLOSE if per_request else {},
            headers_why="every request on a connection of its own, as in the run"
            if per_request
            else "each user keeps its connection",
        )
        return options, code
    if model == "users":
        users = int(arrival["users"])
        options = f"--users {users} --spawn-rate {users} --run-time {arrival['duration_s']:g}s"
        code = _USERS.format(
            think_min=float(arrival["think_min_s"]), think_max=float(arrival["think_max_s"])
        )
        return options, code
    if model == "rate":
        rate = float(arrival["rate_rps"])
        users = _rate_users(export, rate)
        options = f"--users {users} --spawn-rate {users} --run-time {arrival['duration_s']:g}s"
        return options, _RATE.format(users=users, per_user=rate / users, rate=rate)
    if model == "ramp":
        code = _RAMP.format(
            start=int(arrival["start_users"]),
            end=int(arrival["end_users"]),
            duration=float(arrival["duration_s"]),
            think_min=float(arrival["think_min_s"]),
            think_max=float(arrival["think_max_s"]),
        )
        return "", code
    raise NoLocustEquivalent(f"the load model {model!r} has no locustfile export")


def run_locustfile(export: RunExport) -> bytes:
    arrival = export.record.request.get("arrival", {})
    options, code = _body(export, arrival)
    host = export.lab_url or PLACEHOLDER_HOST
    command = f"locust -f {export.filename('py')} --headless --host {host} {options}".rstrip()
    where = (
        f"The lab listened at {host} when this was exported; it takes a new port when it restarts."
        if export.lab_url
        else "Put the lab's port for PORT."
    )
    header = "\n".join(
        [
            f"# {command}",
            "#",
            f"# {where} GET /api/lab on the playground shows where it is.",
            f'"""Locust puts run {export.record.id}\'s load on the lab again: '
            f'{load_text(arrival)}."""',
            "",
            f"PATH = {export.path!r}",
            f"NAME = {export.path.partition('?')[0]!r}",
        ]
    )
    return (header + "\n" + code).encode()
