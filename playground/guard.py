"""Only the playground's own page, and scripts on this machine, drive the playground.

A pure ASGI middleware, outermost after Starlette's error middleware:

- a `Host` the playground does not answer to (DNS rebinding) gets 400;
- a state-changing request from another site (its `Origin`, or `Sec-Fetch-Site` without
  one) gets 403 before any route runs; curl and scripts send neither, and pass;
- a body over `MAX_BODY_BYTES` gets 413 before anything parses it: a `Content-Length` over
  the limit at once, a chunked body as soon as the bytes read pass it;
- every response says `nosniff` and `Referrer-Policy: same-origin`, and HTML forbids framing
  and anything not served by the playground itself (`Content-Security-Policy`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from playground.errors import MAX_BODY_BYTES, BodyTooLarge, CrossSite, UnknownHost

__all__ = ["CONTENT_SECURITY_POLICY", "Guard", "HostRule"]

# Only what the playground serves; `data:` images too, for Pico's icons and the favicon.
CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
# FastAPI's /docs and /redoc load Swagger UI and ReDoc from a CDN with an inline script: they
# may not be framed, and keep working.
DOCS_SECURITY_POLICY = "frame-ancestors 'none'"
DOCS_PATHS = ("/docs", "/docs/oauth2-redirect", "/redoc")
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
OTHER_SITES = frozenset({"cross-site", "same-site"})
LOCAL_NAMES = frozenset({"localhost"})
WILDCARDS = frozenset({"0.0.0.0", "::", ""})


@dataclass(frozen=True)
class HostRule:
    """The hosts the playground answers to: its own name, loopback and IP literals.

    An IP literal cannot be rebound by DNS, so any is safe; a name must be `localhost` or the
    one given with `--host`. The port, when present, must be the playground's.
    """

    host: str
    port: int

    def allows(self, host_header: str) -> bool:
        name, port = _split_host(host_header.lower())
        if name is None or (port is not None and port != self.port):
            return False
        return name in LOCAL_NAMES or name == self.host.lower().strip("[]") or _is_ip(name)

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in WILDCARDS else self.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _split_host(value: str) -> tuple[str | None, int | None]:
    """`name[:port]` or `[v6][:port]` → (name, port); (None, None) when malformed."""
    if value.startswith("["):
        name, bracket, rest = value[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            return None, None
        port_text = rest[1:] if rest else None
    else:
        name, colon, port_text_or_empty = value.partition(":")
        port_text = port_text_or_empty if colon else None
    if not name:
        return None, None
    if port_text is None:
        return name, None
    if not port_text.isascii() or not port_text.isdigit() or len(port_text) > 5:
        return None, None
    return name, int(port_text)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _security_headers(path: str, content_type: str) -> Iterable[tuple[bytes, bytes]]:
    yield b"x-content-type-options", b"nosniff"
    yield b"referrer-policy", b"same-origin"
    if content_type.startswith("text/html"):
        policy = DOCS_SECURITY_POLICY if path in DOCS_PATHS else CONTENT_SECURITY_POLICY
        yield b"content-security-policy", policy.encode()


ErrorResponder = Callable[[Request, Exception], Response]


class Guard:
    """The middleware; `respond` answers a refused request (see `errors.ErrorPages`)."""

    def __init__(self, app: ASGIApp, *, hosts: HostRule, respond: ErrorResponder) -> None:
        self.app = app
        self.hosts = hosts
        self.respond = respond

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = self._with_headers(scope, send)
        host = _header(scope, b"host") or ""
        if not self.hosts.allows(host):
            await self._refuse(scope, receive, send, UnknownHost(host, self.hosts.url))
            return
        if scope["method"] in STATE_CHANGING and (refusal := self._cross_site(scope, host)):
            await self._refuse(scope, receive, send, refusal)
            return
        body = await self._read_body(scope, receive)
        if body is None:
            await self._refuse(scope, receive, send, BodyTooLarge())
            return
        await self.app(scope, _replay(body, receive), send)

    def _cross_site(self, scope: Scope, host: str) -> CrossSite | None:
        origin = _header(scope, b"origin")
        if origin is not None:
            own = f"{scope.get('scheme', 'http')}://{host}".lower()
            return None if origin.lower() == own else CrossSite(origin)
        site = _header(scope, b"sec-fetch-site")
        if site is not None and site.lower() in OTHER_SITES:
            return CrossSite(f"Sec-Fetch-Site: {site}")
        return None

    async def _read_body(self, scope: Scope, receive: Receive) -> list[Message] | None:
        """The request's body messages, or None once it is larger than the limit."""
        length = _header(scope, b"content-length")
        chunked = _header(scope, b"transfer-encoding") is not None
        if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
            return None
        if not chunked and (length is None or length in ("", "0")):
            return []
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return messages
            size += len(message.get("body", b""))
            if size > MAX_BODY_BYTES:
                return None
            if not message.get("more_body", False):
                return messages

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, error: Exception) -> None:
        response = self.respond(Request(scope), error)
        response.headers["connection"] = "close"  # the rest of a refused body is not read
        await response(scope, receive, send)

    @staticmethod
    def _with_headers(scope: Scope, send: Send) -> Send:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                content_type = next(
                    (v.decode("latin-1") for k, v in headers if k.lower() == b"content-type"), ""
                )
                headers.extend(_security_headers(scope["path"], content_type))
                message = {**message, "headers": headers}
            await send(message)

        return send_with_headers


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A `receive` that hands out the body read already, then waits on the real one."""
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
