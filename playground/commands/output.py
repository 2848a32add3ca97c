"""Where tables go: stdout, as wide as they need when it is a pipe or a file (rich would
otherwise wrap them at 80 columns there), fitted to the window on a terminal."""

from __future__ import annotations

from rich.console import Console

__all__ = ["stdout_console"]

PIPE_WIDTH = 200


def stdout_console() -> Console:
    console = Console(highlight=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=PIPE_WIDTH)
    return console
