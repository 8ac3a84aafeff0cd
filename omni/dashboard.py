"""The dashboard is composed of panels that each app registers (in its AppConfig.ready), so the platform
shows every app's figures without importing any app.

A panel is a callable `(request, location) -> Panel | None`; `location` is the current location (or None
for a user who sees the whole network and has not picked one)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from omni.formatting import format_number


@dataclass
class Figure:
    """One headline figure. `value` is a count (shown with thousands separators), or text already
    formatted (money through omni.formatting.format_money)."""

    label: str
    value: Any
    url: str | None = None
    tone: str = ""  # "", "warn", "bad", "good"

    @property
    def text(self) -> str:
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            return str(self.value)
        return format_number(self.value)

    @property
    def wide(self) -> bool:
        """A long figure (a sum of money) takes two columns of the grid, so it never breaks across lines."""
        return len(self.text) > 8


@dataclass
class Panel:
    title: str
    figures: list[Figure] = field(default_factory=list)
    order: int = 100
    links: list[tuple[str, str]] = field(default_factory=list)


PanelFactory = Callable[[HttpRequest, Any], Panel | None]
_panels: list[PanelFactory] = []


def register_panel(factory: PanelFactory) -> PanelFactory:
    if factory not in _panels:
        _panels.append(factory)
    return factory


def panels_for(request: HttpRequest, location: Any) -> list[Panel]:
    built = [p for p in (factory(request, location) for factory in _panels) if p is not None]
    return sorted(built, key=lambda p: p.order)
