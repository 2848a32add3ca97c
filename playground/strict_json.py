"""Strict input: JSON bodies as RFC 8259 has them, and models that take only what they say.

Python's `json` (which FastAPI decodes bodies with) accepts `NaN`, `Infinity`, `1e999`
(becoming infinity) and `"\\ud800"`, none of which is JSON or text. The API's routes read
bodies through `StrictJSONRoute`, so these become FastAPI's own 422 for invalid JSON.

What is built in Python rather than read as JSON (the command line's options, the harness's
job, a lesson's step) meets `StrictModel`, which refuses NaN and the infinities as values.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict

__all__ = ["StrictJSONRoute", "StrictModel", "strict_loads"]


class StrictModel(BaseModel):
    """What the API and the command line validate: frozen, no unknown fields, no `true` for 1
    or `"5"` for 5, and every number finite (a NaN is no number within any limit). A model
    that takes strings, like the page's form, validates with `strict=False` against the same
    limits."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, allow_inf_nan=False)


class _NotJSON(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    raise _NotJSON(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotJSON(f"{text[:20]} is too large a number")
    return value


def strict_loads(body: bytes | str) -> Any:
    """`json.loads` that raises `json.JSONDecodeError` on anything that is not strict JSON."""
    doc = body if isinstance(body, str) else body.decode("utf-8", "replace")
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
        json.dumps(value, ensure_ascii=False).encode("utf-8")  # lone surrogates fail here
    except json.JSONDecodeError:
        raise
    except UnicodeError as error:
        raise json.JSONDecodeError("a string is not valid UTF-8 text", doc[:200], 0) from error
    except ValueError as error:  # _NotJSON, and ints longer than Python converts
        raise json.JSONDecodeError(str(error)[:200], doc[:200], 0) from error
    return value


class _StrictJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = strict_loads(await self.body())
        return self._json


class StrictJSONRoute(APIRoute):
    """An API route whose body is decoded with `strict_loads`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handle(_StrictJSONRequest(request.scope, request.receive))

        return strict
