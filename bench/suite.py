"""The benchmarks in the order they run, each with the rows it promises, so a failure still
leaves its rows in the table (saying why) and the smoke test can check every row is there."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bench import agreement, app, fidelity, isolation, predictions, sampler, throughput
from bench.report import Measure, Row, failed
from bench.sizes import Sizes


@dataclass(frozen=True)
class Benchmark:
    measures: list[Measure]
    measure: Callable[[], Awaitable[list[Row]]]


def benchmarks(sizes: Sizes) -> dict[str, Benchmark]:
    return {
        "fidelity": Benchmark(fidelity.measures(sizes), lambda: fidelity.measure(sizes)),
        "throughput": Benchmark(
            throughput.measures(),
            lambda: throughput.measure(
                sizes.connections, sizes.throughput_s, sizes.throughput_rounds
            ),
        ),
        "locust": Benchmark(agreement.measures(sizes), lambda: agreement.measure(sizes)),
        "app": Benchmark(app.measures(sizes), lambda: app.measure(sizes)),
        "isolation": Benchmark(isolation.measures(sizes), lambda: isolation.measure(sizes)),
        "sampler": Benchmark(sampler.measures(sizes), lambda: sampler.measure(sizes)),
        "predictions": Benchmark(predictions.measures(sizes), lambda: predictions.measure(sizes)),
    }


def expected(sizes: Sizes) -> list[Measure]:
    """Every row the table holds when every benchmark runs."""
    return [measure for benchmark in benchmarks(sizes).values() for measure in benchmark.measures]


async def run(names: list[str], sizes: Sizes) -> list[Row]:
    rows: list[Row] = []
    for name, benchmark in benchmarks(sizes).items():
        if name not in names:
            continue
        print(f"bench: {name}…", file=sys.stderr, flush=True)
        try:
            rows += await benchmark.measure()
        except Exception as error:  # the table stays whole, with why a figure is missing
            traceback.print_exc()
            rows += failed(benchmark.measures, error)
    return rows
