"""The timeline's colours, read from the one place the page declares them: `static/app.css`.

Exports are for slides and files, so they take the light theme.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

from playground.templating import asset_dir

_ROOT_BLOCK = re.compile(r":root\s*\{(?P<body>[^}]*)\}")
_VARIABLE = re.compile(r"--c-(?P<name>[\w-]+)\s*:\s*(?P<value>[^;]+);")


@dataclass(frozen=True)
class Palette:
    waiting: str
    running: str
    spans: tuple[str, ...]
    tail: str
    error: str
    bystander: str
    predicted: str
    grid: str
    text: str
    background: str = "#ffffff"
    variables: Mapping[str, str] = field(default_factory=dict)
    """Every colour of the light theme by its CSS variable (`--c-lane-cpu`), for what names one."""

    def variable(self, name: str) -> str:
        """The colour of a CSS variable such as `--c-lane-cpu`; the text's for an unknown one."""
        return self.variables.get(name, self.text)

    def span(self, lane: int) -> str:
        return self.spans[lane % len(self.spans)]

    def named(self, name: str) -> str:
        """The colour of a legend entry: `waiting`, `running`, `span`, ..."""
        return self.spans[0] if name == "span" else str(getattr(self, name))


@cache
def palette() -> Palette:
    css = (asset_dir("static") / "app.css").read_text(encoding="utf-8")
    block = _ROOT_BLOCK.search(css)
    if block is None:
        raise RuntimeError("static/app.css declares no :root colours")
    colours = {m["name"]: m["value"].strip() for m in _VARIABLE.finditer(block["body"])}
    return Palette(
        waiting=colours["waiting"],
        running=colours["running"],
        spans=tuple(colours[name] for name in ("span", "span-2", "span-3")),
        tail=colours["tail"],
        error=colours["error"],
        bystander=colours["bystander"],
        predicted=colours["predicted"],
        grid=colours["grid"],
        text=colours["text"],
        variables={f"--c-{name}": value for name, value in colours.items()},
    )
