"""The lab's own parameter limits: the very `Param` declarations the API validates against,
checked before a variant's endpoint runs, so a request straight to the lab cannot ask for a
day of CPU. It is a route dependency, so the endpoint keeps its signature and its kind."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any

from fastapi import HTTPException, Request

from playground.scenarios.base import Param

__all__ = ["param_errors", "within_limits"]


def param_errors(params: Sequence[Param], query: Mapping[str, Sequence[str]]) -> list[str]:
    """What is wrong with a query against a scenario's parameters; empty when nothing is."""
    known = {param.name: param for param in params}
    errors = [
        f"unknown parameter {name}; it takes: {', '.join(known) or 'none'}"
        for name in sorted(set(query) - set(known))
    ]
    for param in params:
        values = query.get(param.name, [])
        if len(values) != 1:
            errors.append(f"{param.name} is required, once, within {param.describe_range()}")
            continue
        try:
            value = int(values[0])
        except ValueError:
            errors.append(f"{param.name} must be a whole number, not {values[0][:40]!r}")
            continue
        if not param.min <= value <= param.max:
            errors.append(f"{param.name} must be within {param.describe_range()}, not {value:,}")
    return errors


def within_limits(params: Sequence[Param]) -> Callable[[Request], Coroutine[Any, Any, None]]:
    """A route dependency refusing, with a 422, a query outside `params`."""

    async def check_limits(request: Request) -> None:
        query = {name: request.query_params.getlist(name) for name in request.query_params}
        errors = param_errors(params, query)
        if errors:
            raise HTTPException(422, "; ".join(errors))

    return check_limits
