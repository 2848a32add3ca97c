"""Where templates and static files live, installed or in a checkout, and the Jinja setup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from playground.guess import judge
from playground.lane_display import counters
from playground.load import LOAD_MODELS, stored_arrival

_PACKAGE = Path(__file__).parent


def asset_dir(name: str) -> Path:
    """`templates/` or `static/`: inside the package when installed from a wheel, else beside it."""
    packaged = _PACKAGE / name
    return packaged if packaged.is_dir() else _PACKAGE.parent / name


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:,.0f} ms"


def _num(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _inline_code(text: str) -> Markup:
    """`code` in explanations, shown as code; everything else escaped."""
    parts = str(escape(text)).split("`")
    return Markup("".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts)))


def _lane_counters(lab_info: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The counter lanes as the page's `CounterLane`s take them, worded for the run's lab."""
    return [counter.options() for counter in counters(lab_info or {})]


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=asset_dir("templates"))
    templates.env.filters["ms"] = _ms
    templates.env.filters["num"] = _num
    templates.env.filters["inline_code"] = _inline_code
    templates.env.filters["arrival"] = stored_arrival
    templates.env.globals["load_models"] = LOAD_MODELS
    templates.env.globals["lane_counters"] = _lane_counters
    templates.env.globals["judge_guess"] = judge
    from playground.exports import FORMATS  # here: the exports read asset_dir from this module

    templates.env.globals["export_formats"] = FORMATS
    from playground.schemas import MAX_NOTE_CHARS, MAX_TITLE_CHARS

    templates.env.globals["max_title_chars"] = MAX_TITLE_CHARS
    templates.env.globals["max_note_chars"] = MAX_NOTE_CHARS
    return templates
