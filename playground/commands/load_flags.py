"""The load options of `playground run`, generated from the load declarations in
`playground/load/`: names, types, limits and help are read from each model's knobs.

A knob `duration_s` is `--duration`, `rate_rps` is `--rate`; a pair `think_min_s` and
`think_max_s` is `--think MIN MAX`, and `start_users` and `end_users` of the ramp is
`--ramp START END`. A model's first knob names it: `--requests` is a burst, `--users` users,
`--rate` a rate, `--ramp` a ramp. Knobs several models share (`--duration`, `--think`) are one
option. Only limits of types are checked here: the values go to the same `RunRequest` as the
API's, which checks the rest with the same messages.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from playground.load import LOAD_MODELS, FieldSpec

__all__ = ["FLAGS", "Flag", "add_load_flags", "arrival_from", "flag_for_field"]

_UNIT_SUFFIX = re.compile(r"_(s|ms|rps)$")
_RANGE_PAIR = re.compile(r"^(?P<name>\w+)_min(?P<unit>_\w+)?$")
_START_END = re.compile(r"^start_(?P<rest>\w+)$")


@dataclass(frozen=True)
class Flag:
    """One command-line option: the knobs it sets, and each model's declaration of them."""

    option: str
    fields: tuple[str, ...]
    specs: tuple[tuple[str, tuple[FieldSpec, ...]], ...]
    """(model id, its knobs that this option sets), for every model that has them."""

    @property
    def models(self) -> tuple[str, ...]:
        return tuple(model for model, _ in self.specs)

    @property
    def integer(self) -> bool:
        return self.specs[0][1][0].integer

    @property
    def choices(self) -> tuple[str, ...]:
        """The words it takes (`--connections new|kept-alive`); empty: it takes a number."""
        return self.specs[0][1][0].choices

    @property
    def dest(self) -> str:
        return "load_" + self.option.removeprefix("--").replace("-", "_")

    @property
    def metavar(self) -> str | tuple[str, ...]:
        if len(self.fields) == 2:
            return ("START", "END") if self.fields[0].startswith("start_") else ("MIN", "MAX")
        unit = self.specs[0][1][0].unit
        if len(unit) == 1 and unit.isalpha():
            return unit.upper()
        return self.option.removeprefix("--").upper()

    def help(self) -> str:
        first = self.specs[0][1]
        text = " ".join(dict.fromkeys(spec.help.rstrip(".") + "." for spec in first))
        if self.choices:
            return f"{text} Default {first[0].default}."
        limits = [_limits(spec) for spec in first]
        if len(set(limits)) == 1:
            text += f" {limits[0]}"
        else:
            metavars = self.metavar
            text += " " + ", ".join(f"{m} {lim}" for m, lim in zip(metavars, limits, strict=True))
        defaults = {
            model: " ".join(_number(spec.default) for spec in specs)
            for model, specs in self.specs
            if all(spec.default is not None for spec in specs)
        }
        if len(set(defaults.values())) == 1 and len(defaults) == len(self.specs):
            text += f"; default {next(iter(defaults.values()))}"
        elif defaults:
            text += "; default " + ", ".join(f"{v} ({m})" for m, v in defaults.items())
        return text


def _limits(spec: FieldSpec) -> str:
    unit = f" {spec.unit}" if spec.unit and not spec.unit.isupper() else ""
    return f"{_number(spec.min)}..{_number(spec.max)}{unit}"


def _number(value: float | str | None) -> str:
    return "" if value is None else value if isinstance(value, str) else f"{value:g}"


def _model_flags(model: str, specs: Sequence[FieldSpec]) -> list[Flag]:
    by_name = {spec.name: spec for spec in specs}
    flags: list[Flag] = []
    taken: set[str] = set()
    for spec in specs:
        if spec.name in taken:
            continue
        pair = _RANGE_PAIR.match(spec.name)
        start = _START_END.match(spec.name)
        partner = None
        if pair and f"{pair['name']}_max{pair['unit'] or ''}" in by_name:
            option, partner = pair["name"], f"{pair['name']}_max{pair['unit'] or ''}"
        elif start and f"end_{start['rest']}" in by_name:
            option, partner = model, f"end_{start['rest']}"
        else:
            option = _UNIT_SUFFIX.sub("", spec.name)
        names = (spec.name,) if partner is None else (spec.name, partner)
        taken.update(names)
        specs = tuple(by_name[name] for name in names)
        flags.append(Flag("--" + option.replace("_", "-"), names, ((model, specs),)))
    return flags


def _all_flags() -> tuple[dict[str, Flag], dict[str, str]]:
    """Every option, merged across models; and each model's naming option."""
    flags: dict[str, Flag] = {}
    naming: dict[str, str] = {}
    for model, load in LOAD_MODELS.items():
        made = _model_flags(model, load.fields)
        naming[model] = made[0].option
        for flag in made:
            known = flags.get(flag.option)
            if known is None:
                flags[flag.option] = flag
            elif known.fields != flag.fields:
                raise AssertionError(f"{flag.option} would set {known.fields} and {flag.fields}")
            else:
                flags[flag.option] = Flag(flag.option, flag.fields, known.specs + flag.specs)
    if len(set(naming.values())) != len(naming):
        raise AssertionError(f"two load models are named by one option: {naming}")
    return flags, naming


FLAGS, NAMING = _all_flags()
"""Option → `Flag`; model id → the option that names it (its first knob)."""


def flag_for_field(field: str) -> str | None:
    """The option that sets a knob, for messages that name the knob."""
    return next((flag.option for flag in FLAGS.values() if field in flag.fields), None)


def add_load_flags(parser: argparse.ArgumentParser) -> None:
    models = ", ".join(f"{option} ({model})" for model, option in NAMING.items())
    group = parser.add_argument_group(
        "the load", f"One of {models}; with none, a burst with the API's defaults."
    )
    for flag in FLAGS.values():
        group.add_argument(
            flag.option,
            dest=flag.dest,
            type=str if flag.choices else int if flag.integer else float,
            choices=flag.choices or None,
            nargs=len(flag.fields) if len(flag.fields) > 1 else None,
            metavar=None if flag.choices else flag.metavar,
            default=None,
            help=flag.help(),
        )


def _list(options: Sequence[str]) -> str:
    return options[0] if len(options) == 1 else f"{', '.join(options[:-1])} or {options[-1]}"


def arrival_from(args: argparse.Namespace) -> dict[str, Any] | None:
    """The `arrival` of a run request from the load options given; None for the default.
    Raises ValueError, saying which options do not go together."""
    given = [flag for flag in FLAGS.values() if getattr(args, flag.dest) is not None]
    if not given:
        return None
    named = [model for model, option in NAMING.items() if option in {f.option for f in given}]
    if len(named) > 1:
        raise ValueError(
            f"{' and '.join(NAMING[m] for m in named)} are different loads; choose one of "
            f"{_list(list(NAMING.values()))}"
        )
    if not named:
        takers = [NAMING[m] for m in given[0].models]
        raise ValueError(f"{given[0].option} goes with a load: {_list(takers)}")
    (model,) = named
    arrival: dict[str, Any] = {"model": model}
    for flag in given:
        if model not in flag.models:
            takers = [NAMING[m] for m in flag.models]
            raise ValueError(
                f"{flag.option} does not apply to {NAMING[model]} ({model}); "
                f"it goes with {_list(takers)}"
            )
        value = getattr(args, flag.dest)
        values = value if isinstance(value, list) else [value]
        arrival.update(zip(flag.fields, values, strict=True))
    return arrival
