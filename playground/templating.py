"""Where templates and static files live, installed or in a checkout, and the Jinja setup."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

_PACKAGE = Path(__file__).parent


def asset_dir(name: str) -> Path:
    """`templates/` or `static/`: inside the package when installed from a wheel, else beside it."""
    packaged = _PACKAGE / name
    return packaged if packaged.is_dir() else _PACKAGE.parent / name


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:,.0f} ms"


def _num(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=asset_dir("templates"))
    templates.env.filters["ms"] = _ms
    templates.env.filters["num"] = _num
    return templates
