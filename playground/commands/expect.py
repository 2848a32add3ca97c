"""Expectations on a run's numbers, for CI: `makespan_s<1.5`, `max_in_handler>=40`.

A field is any number of the run's summary (`playground.schemas.Summary`), compared with
`<`, `<=`, `>`, `>=` or `==` to a number. Parsed before the run, so a typo costs no run.
"""

from __future__ import annotations

import math
import operator
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from playground.schemas import Summary

__all__ = ["FIELDS", "Expectation", "parse_expectation"]

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "<": operator.lt,
    ">": operator.gt,
}
_PATTERN = re.compile(r"^\s*(?P<field>[^<>=\s]+)\s*(?P<op><=|>=|==|<|>)\s*(?P<value>\S+)\s*$")


def _numeric(hint: Any) -> bool:
    kinds = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    return any(kind in (int, float) for kind in kinds) and bool not in kinds


FIELDS: tuple[str, ...] = tuple(
    name for name, hint in typing.get_type_hints(Summary).items() if _numeric(hint)
)
"""The summary's numbers, in its order: what an expectation may name."""


@dataclass(frozen=True)
class Expectation:
    field: str
    op: str
    value: float
    text: str
    """As it was written, for messages."""

    def __str__(self) -> str:
        return self.text

    def measured(self, summary: Mapping[str, Any] | None) -> float | None:
        value = (summary or {}).get(self.field)
        return float(value) if isinstance(value, int | float) else None

    def holds(self, summary: Mapping[str, Any] | None) -> bool:
        measured = self.measured(summary)
        return measured is not None and OPERATORS[self.op](measured, self.value)


def parse_expectation(text: str) -> Expectation:
    """`FIELD OP NUMBER`; raises ValueError saying what is wrong."""
    match = _PATTERN.match(text)
    if match is None:
        ops = ", ".join(sorted(OPERATORS, key=len))
        raise ValueError(f"expectation {text!r} is not FIELD OP NUMBER (OP one of {ops})")
    field, op, value = match["field"], match["op"], match["value"]
    if field not in FIELDS:
        raise ValueError(
            f"unknown summary field {field!r} in {text!r}; choose one of: {', '.join(FIELDS)}"
        )
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{value!r} in {text!r} is not a number") from None
    if math.isnan(number):
        raise ValueError(f"{text!r} compares with NaN, which nothing equals")
    return Expectation(field, op, number, f"{field}{op}{value}")
