"""`python -m bench [--smoke] [--only NAME ...] [--markdown FILE]`: run the benchmarks on this
machine and print one table. Exits 1 if any figure could not be measured."""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import replace
from pathlib import Path

from bench.report import load_average, markdown_table, text_table, this_machine
from bench.sizes import FULL, SMOKE
from bench.suite import benchmarks, run
from playground.scenarios import SCENARIOS


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks it still runs")
    parser.add_argument(
        "--only", nargs="+", choices=list(benchmarks(FULL)), help="run only these benchmarks"
    )
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown here")
    parser.add_argument(
        "--scenarios",
        nargs="+",
        choices=list(SCENARIOS),
        help="predictions: run only these scenarios' variants",
    )
    args = parser.parse_args()
    sizes = SMOKE if args.smoke else FULL
    if args.scenarios:
        sizes = replace(sizes, prediction_scenarios=tuple(args.scenarios))
    names = args.only or list(benchmarks(sizes))
    machine = this_machine()
    try:
        import uvloop  # the loop uvicorn gives the playground, so the harness runs on it here too
    except ImportError:
        rows = asyncio.run(run(names, sizes))
    else:
        rows = uvloop.run(run(names, sizes))
    machine = replace(machine, load_after=load_average())
    command = "python -m bench" + (" --smoke" if args.smoke else "")
    command += " --scenarios " + " ".join(args.scenarios) if args.scenarios else ""
    print(f"\n{command} · {machine.describe()}\n")
    print(text_table(rows))
    if args.markdown:
        args.markdown.write_text(
            f"`{command}` · {machine.describe()}\n\n{markdown_table(rows)}\n", encoding="utf-8"
        )
    sys.exit(1 if any(row.value is None for row in rows) else 0)


if __name__ == "__main__":
    main()
