"""Async Playground: see what `async def` does to a web server, measured on a real one."""

from __future__ import annotations

__version__ = "0.1.0"
