"""The subcommands of `playground`: each a module with `main(argv) -> exit code`, imported only
when named, so `playground` alone (the web app) starts as fast as before.

    playground run SCENARIO VARIANT ...   a run from the terminal, stored like the page's
    playground runs                       the history
    playground export RUN_ID --format F   a stored run as a file
    playground lab --port P               the lab alone, with no secret, for other tools
"""

from __future__ import annotations

import importlib

__all__ = ["COMMANDS", "dispatch"]

COMMANDS: dict[str, str] = {
    "run": "fire a run from the terminal and print its numbers; --expect for CI",
    "runs": "list the stored runs, newest first",
    "export": "write a stored run as json, csv, svg, html, trace or a locustfile",
    "lab": "serve the lab alone on a port, without a secret, for Locust or wrk",
}
"""Name → what it does, for `playground --help`; the module is `playground.commands.<name>`."""

_MODULES = {"runs": "history"}


def dispatch(argv: list[str]) -> int | None:
    """Run the subcommand `argv` names and return its exit code; None if it names none."""
    if not argv or argv[0] not in COMMANDS:
        return None
    module = importlib.import_module(f"playground.commands.{_MODULES.get(argv[0], argv[0])}")
    code: int = module.main(argv[1:])
    return code
