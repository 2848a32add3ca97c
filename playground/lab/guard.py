"""The guard in front of the lab and the upstream: only the playground may call them.

A pure ASGI middleware: a request must carry the secret its parent gave it (403 otherwise)
and name a loopback host (400 otherwise, so a web page elsewhere cannot reach it through a
DNS name that resolves to 127.0.0.1). With no secret, it lets everything through.
"""

from __future__ import annotations

import hmac
import json

from starlette.types import ASGIApp, Receive, Scope, Send

from playground.lab.contract import SECRET_HEADER

__all__ = ["Guard", "is_loopback_host"]

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})


def is_loopback_host(host: str) -> bool:
    """`127.0.0.1`, `localhost` or `[::1]`, with any port or none."""
    host = host.strip().lower()
    if host.startswith("["):
        name, _, rest = host.partition("]")
        return name + "]" in LOOPBACK_NAMES and (not rest or rest[1:].isdigit())
    name, _, port = host.partition(":")
    return name in LOOPBACK_NAMES and (not port or port.isdigit())


class Guard:
    def __init__(self, app: ASGIApp, *, secret: str | None) -> None:
        self.app = app
        self.secret = secret.encode() if secret else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.secret is None or scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":  # the lab serves no websockets
            await send({"type": "websocket.close", "code": 1008})
            return
        headers = dict(scope["headers"])
        if not hmac.compare_digest(headers.get(SECRET_HEADER.encode(), b""), self.secret):
            await _refuse(send, 403, "this server answers only the playground that started it")
            return
        if not is_loopback_host(headers.get(b"host", b"").decode("latin-1")):
            await _refuse(send, 400, "the Host header must be 127.0.0.1, localhost or [::1]")
            return
        await self.app(scope, receive, send)


async def _refuse(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
