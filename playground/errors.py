"""One error vocabulary: each thing that can go wrong, its status and its message, in one place.

The API answers `{"detail": message}` (a 422 lists its messages); the pages render the same
messages in `_errors.html` (or a whole page when a browser navigated there) with the same
status. Routes raise the domain error and let the handlers here answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from playground.load import LOAD_MODELS
from playground.runs import RunInProgress, RunNotFound, RunNotRunning, SeriesInProgress
from playground.series import SeriesNotFound, SeriesNotRunning
from playground.supervisor import LabUnavailable

__all__ = [
    "MAX_BODY_BYTES",
    "BodyTooLarge",
    "CrossSite",
    "ErrorPages",
    "LessonNotFound",
    "RunNotFound",
    "RunNotRunning",
    "UnknownHost",
    "clean",
    "status_of",
    "validation_messages",
]

MAX_BODY_BYTES = 64 * 1024
MAX_MESSAGE_CHARS = 200
MAX_MESSAGES = 20
_LOCATIONS = ("body", "path", "query", "header", "cookie")
_UNION_TAGS = tuple(LOAD_MODELS)


class BodyTooLarge(ValueError):
    def __init__(self) -> None:
        super().__init__(
            f"the request body is over {MAX_BODY_BYTES // 1024} KB, more than any form or "
            "setting of the playground needs"
        )


class CrossSite(PermissionError):
    def __init__(self, origin: str) -> None:
        super().__init__(
            f"refused a request from another site ({clean(origin)}): only the playground's own "
            "page and scripts on this machine can start runs or change the lab"
        )


class LessonNotFound(LookupError):
    """A lesson, or a step of one, that is not in the catalogue; says what there is."""


class UnknownHost(ValueError):
    def __init__(self, host: str, url: str) -> None:
        super().__init__(f"this server does not answer to {clean(host)!r}; open {url}")


ROUTING_MESSAGES: Mapping[int, str] = {
    404: "there is no page at {path}",
    405: "{path} is not a page to open: the playground, with its runs, is at /",
}
"""What a person who typed an address is told, for the errors routing itself raises."""

STATUSES: Mapping[type[Exception], int] = {
    UnknownHost: 400,
    CrossSite: 403,
    RunNotFound: 404,
    LessonNotFound: 404,
    SeriesNotFound: 404,
    RunInProgress: 409,
    RunNotRunning: 409,
    SeriesInProgress: 409,
    SeriesNotRunning: 409,
    BodyTooLarge: 413,
    RequestValidationError: 422,
    LabUnavailable: 503,
}


def status_of(error: Exception) -> int:
    """The one status an error answers with, wherever it is raised."""
    for kind in type(error).__mro__:
        if kind in STATUSES:
            return STATUSES[kind]
    raise LookupError(f"{type(error).__name__} is not in the error vocabulary")


def clean(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """Text safe to show and encode: lone surrogates replaced, at most `limit` characters."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _message(item: Mapping[str, Any]) -> str:
    where = ".".join(
        str(part)
        for index, part in enumerate(item.get("loc", ()))
        if not (index == 0 and part in _LOCATIONS)
        and part not in _UNION_TAGS
        and not isinstance(part, int)
    )
    text = str(item.get("msg", "invalid")).removeprefix("Value error, ")
    if item.get("type") == "json_invalid":
        reason = (item.get("ctx") or {}).get("error", "")
        text = f"the body is not valid JSON: {reason}" if reason else "the body is not valid JSON"
    return clean(f"{where}: {text}" if where else text)


def validation_messages(errors: Iterable[Mapping[str, Any]]) -> list[str]:
    """Pydantic's errors as plain sentences naming the field; never the input itself."""
    return [_message(item) for item, _ in zip(errors, range(MAX_MESSAGES), strict=False)]


def _answers_json(request: Request) -> bool:
    """The API answers its errors in JSON; so does a page route declared to answer JSON,
    unless htmx asked, which swaps in the errors' HTML."""
    if request.url.path == "/api" or request.url.path.startswith("/api/"):
        return True
    route = request.scope.get("route")
    answers = getattr(route, "response_class", None) if isinstance(route, APIRoute) else None
    declared_json = isinstance(answers, type) and issubclass(answers, JSONResponse)
    return declared_json and "hx-request" not in request.headers


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


class ErrorPages:
    """Answers an error the way the client asked: JSON for the API, HTML for the pages."""

    def __init__(self, templates: Jinja2Templates) -> None:
        self.templates = templates

    def respond(self, request: Request, status: int, messages: Sequence[str]) -> Response:
        if _answers_json(request):
            detail = messages[0] if len(messages) == 1 else list(messages)
            return JSONResponse({"detail": detail}, status_code=status)
        # A browser's navigation gets a whole page, once routing (which url_for needs) began.
        if (
            request.method == "GET"
            and "hx-request" not in request.headers
            and "router" in request.scope
        ):
            context = {"message": " ".join(_sentence(message) for message in messages)}
            return self.templates.TemplateResponse(
                request, "not_found.html", context, status_code=status
            )
        return self.templates.TemplateResponse(
            request, "_errors.html", {"errors": list(messages)}, status_code=status
        )

    def for_error(self, request: Request, error: Exception) -> Response:
        if isinstance(error, UnknownHost):  # never render pages for a host we do not serve
            return PlainTextResponse(str(error) + "\n", status_code=status_of(error))
        if isinstance(error, RequestValidationError):
            return self.for_validation(request, error)
        return self.respond(request, status_of(error), [clean(str(error))])

    def for_validation(self, request: Request, error: RequestValidationError) -> Response:
        messages = validation_messages(error.errors())
        if not _answers_json(request):
            return self.respond(request, 422, messages)
        items = [
            {
                "loc": [
                    part if isinstance(part, int) else clean(str(part), 40)
                    for part in item.get("loc", ())
                ][:8],
                "msg": message,
                "type": clean(str(item.get("type", "")), 40),
            }
            for item, message in zip(error.errors(), messages, strict=False)
        ]
        return JSONResponse({"detail": items}, status_code=422)

    def for_http(self, request: Request, error: StarletteHTTPException) -> Response:
        """Starlette's own errors (no such path, a method the path does not take), said as
        the rest are; the API keeps their JSON."""
        routing = error.detail == HTTPStatus(error.status_code).phrase  # not a route's own
        if _answers_json(request) or not routing or error.status_code not in ROUTING_MESSAGES:
            return JSONResponse(
                {"detail": error.detail}, status_code=error.status_code, headers=error.headers
            )
        message = ROUTING_MESSAGES[error.status_code].format(path=clean(request.url.path, 80))
        response = self.respond(request, error.status_code, [message])
        response.headers.update(error.headers or {})
        return response

    def install(self, app: FastAPI) -> None:
        """Answer every error of the vocabulary through `for_error`, and routing's own."""

        async def handle(request: Request, error: Exception) -> Response:
            return self.for_error(request, error)

        async def handle_http(request: Request, error: Exception) -> Response:
            assert isinstance(error, StarletteHTTPException)
            return self.for_http(request, error)

        for kind in STATUSES:
            app.add_exception_handler(kind, handle)
        app.add_exception_handler(StarletteHTTPException, handle_http)
