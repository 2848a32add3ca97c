"""How big each benchmark is: the full sizes the docs report, and tiny ones for the smoke test."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    bursts: tuple[int, ...] = (100, 1_000, 5_000)
    burst_delay_ms: int = 200
    burst_repeats: int = 5
    connections: int = 50
    throughput_s: float = 5.0
    throughput_rounds: int = 3
    users: tuple[int, ...] = (100, 300)
    users_delay_ms: int = 1_000
    think_s: tuple[float, float] = (1.0, 3.0)
    users_duration_s: float = 60.0
    users_warmup_s: float = 15.0
    users_cooldown_s: float = 5.0
    page_requests: int = 10_000
    page_delay_ms: int = 3_000
    redraws: int = 5
    startups: int = 3
    isolation_requests: int = 5_000
    isolation_delay_ms: int = 200
    isolation_clients: int = 100
    isolation_body_mb: int = 8
    isolation_turns: int = 3
    crowd_clients: int = 200
    crowd_rows: int = 10_000
    sampler_users: int = 25
    """On each of the two labs at once."""
    sampler_delay_ms: int = 50
    sampler_s: float = 3.0
    sampler_rounds: int = 10
    sampler_idle_s: float = 8.0
    sampler_idle_rounds: int = 3
    prediction_scenarios: tuple[str, ...] = ()
    """Scenarios whose every variant is run at its default load; empty: all of them."""
    connections_burst: int = 1_000
    prediction_runs: int = 3
    """Runs of each variant; the median makespan is judged: one run can meet a busy moment."""


FULL = Sizes()
SMOKE = Sizes(
    bursts=(20, 100),
    burst_repeats=1,
    connections=10,
    throughput_s=1.0,
    throughput_rounds=1,
    users=(10,),
    users_delay_ms=200,
    think_s=(0.1, 0.3),
    users_duration_s=3.0,
    users_warmup_s=0.5,
    users_cooldown_s=0.5,
    page_requests=300,
    page_delay_ms=1_500,
    redraws=1,
    startups=1,
    isolation_requests=200,
    isolation_clients=10,
    isolation_body_mb=1,
    isolation_turns=1,
    crowd_clients=20,
    crowd_rows=300,
    sampler_s=1.0,
    sampler_rounds=1,
    sampler_idle_s=1.0,
    sampler_idle_rounds=1,
    prediction_scenarios=("hello",),
    connections_burst=100,
    prediction_runs=1,
)
