"""The layer trace: one tiny mechanism every layer reports through.

Each layer that does something worth seeing (pushing a context, opening the session,
matching the URL, running a hook or the view, rendering a template, finishing the
response) asks the current request for its :class:`RequestTrace` and, when there is
one, records a :class:`Span`. When tracing is off the request has no trace and a layer
pays one attribute read and one ``is None`` check, nothing else.

A trace is switched on per app by ``STACK_TRACE`` (config or environment variable),
which logs one tree per request, or by ``STACK_BREAK=routing,session,view``, which
stops in the debugger (``breakpoint()``, so ``PYTHONBREAKPOINT`` is honoured) when a
request enters one of the named layers.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

#: The layer names a span can carry, in the order a request meets them.
LAYERS = (
    "context",
    "session",
    "routing",
    "hook",
    "view",
    "template",
    "response",
    "error",
)


@dataclass
class Span:
    """One thing one layer did, with how long it took and what it found."""

    layer: str
    name: str
    depth: int
    start: float
    info: dict[str, Any] = field(default_factory=dict)
    duration: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "name": self.name,
            "depth": self.depth,
            "duration_ms": None if self.duration is None else round(self.duration * 1000, 3),
            "info": {key: _plain(value) for key, value in self.info.items()},
        }


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return repr(value)


class RequestTrace:
    """The spans of one request, nested by when they started and ended."""

    def __init__(self, break_at: frozenset[str] = frozenset()) -> None:
        self.spans: list[Span] = []
        self.break_at = break_at
        self._depth = 0

    def enter(self, layer: str, name: str, **info: Any) -> Span:
        span = Span(layer, name, self._depth, time.perf_counter(), info)
        self.spans.append(span)
        self._depth += 1
        if layer in self.break_at:
            self.stop_here(span)
        return span

    def leave(self, span: Span, **info: Any) -> None:
        span.duration = time.perf_counter() - span.start
        span.info.update(info)
        self._depth = max(self._depth - 1, 0)

    def note(self, layer: str, name: str, **info: Any) -> Span:
        """A span with no duration worth measuring: something a layer decided."""
        span = Span(layer, name, self._depth, time.perf_counter(), info, 0.0)
        self.spans.append(span)
        if layer in self.break_at:
            self.stop_here(span)
        return span

    def stop_here(self, span: Span) -> None:
        """Enter the debugger at a layer boundary named in ``STACK_BREAK``.

        The locals worth looking at are ``span`` (what this layer is about to do) and
        ``trace`` (everything so far); step up one frame to see the layer's own objects.
        """
        trace = self  # noqa: F841 - kept as a local for the person in the debugger
        breakpoint()

    def as_list(self) -> list[dict[str, Any]]:
        return [span.as_dict() for span in self.spans]

    def render(self) -> str:
        """The spans as an indented tree, one line each."""
        lines = []
        for span in self.spans:
            timing = "" if span.duration is None else f" {span.duration * 1000:.3f} ms"
            details = " ".join(f"{key}={_plain(value)!r}" for key, value in span.info.items())
            lines.append(f"{'  ' * span.depth}{span.layer}:{span.name}{timing} {details}".rstrip())
        return "\n".join(lines)


def parse_layer_names(value: str | None) -> frozenset[str]:
    """``"routing, view"`` -> ``{"routing", "view"}``; unknown names are an error."""
    if not value:
        return frozenset()
    names = frozenset(part.strip() for part in value.split(",") if part.strip())
    unknown = names - set(LAYERS)
    if unknown:
        raise ValueError(
            f"Unknown layer name(s) in STACK_BREAK: {', '.join(sorted(unknown))}."
            f" Known layers: {', '.join(LAYERS)}."
        )
    return names


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}
