"""What every subcommand shares: exit codes, one-line errors, and the options they have in
common (the database, the lab's settings), each validated by the API's own declarations."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

from playground.settings import LabSettings, default_db_path

__all__ = [
    "BAD_INPUT",
    "FAILED",
    "OK",
    "BadInput",
    "Parser",
    "add_db",
    "add_lab_settings",
    "lab_settings",
    "say",
]

OK = 0
FAILED = 1
"""An expectation failed, or the run did not end `done`."""
BAD_INPUT = 2
"""What was asked cannot be done as asked; the one line on stderr says why."""


class BadInput(Exception):
    """Bad input, in one line a person understands."""


class Parser(argparse.ArgumentParser):
    """argparse, but an error is one line on stderr (no usage block) and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(BAD_INPUT, f"{self.prog}: {message}\n")


def say(prog: str, message: str) -> None:
    """One line on stderr, for people: the data goes to stdout."""
    print(f"{prog}: {message}", file=sys.stderr)


def add_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", type=Path, default=None, help=f"SQLite file of runs (default: {default_db_path()})"
    )


def add_lab_settings(parser: argparse.ArgumentParser) -> None:
    """`--threadpool`, `--workers`, `--processes`: the knobs of `PUT /api/lab/settings`."""
    import annotated_types

    from playground.schemas import LabSettingsIn

    group = parser.add_argument_group("the lab")
    for name, info in LabSettingsIn.model_fields.items():
        low = next(m.ge for m in info.metadata if isinstance(m, annotated_types.Ge))
        high = next(m.le for m in info.metadata if isinstance(m, annotated_types.Le))
        default = getattr(LabSettings(), name)
        group.add_argument(
            f"--{name}",
            type=int,
            default=None,
            metavar="N",
            help=f"{info.description} {low}..{high} (default: {default})",
        )


def lab_settings(args: argparse.Namespace) -> LabSettings:
    """The lab's settings from the options given, validated as the API validates them; the
    others keep the lab's defaults. Raises BadInput."""
    from pydantic import ValidationError

    from playground.errors import validation_messages
    from playground.schemas import LabSettingsIn

    given = {
        name: getattr(args, name)
        for name in LabSettingsIn.model_fields
        if getattr(args, name) is not None
    }
    try:
        LabSettingsIn.model_validate(given)
    except ValidationError as error:
        raise BadInput(
            "; ".join(f"--{m}" for m in validation_messages(error.errors(include_url=False)))
        ) from None
    return LabSettings(**given)
