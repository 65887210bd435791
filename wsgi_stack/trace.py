"""The layer trace: one tiny mechanism every layer reports through.

Each layer that does something worth seeing (pushing a context, opening the session,
matching the URL, running a hook or the view, rendering a template, finishing the
response) asks the current request for its :class:`RequestTrace` and, when there is
one, records a :class:`Span`::

    trace = ctx.trace
    span = trace.enter("routing", "match", path=request.path) if trace is not None else None
    ...                                   # the layer's own work
    if span is not None:
        trace.leave(span, endpoint=rule.endpoint)

When tracing is off the request has no trace, and a layer pays one attribute read and
one ``is None`` check: nothing is allocated, nothing is timed.

A trace is switched on per app by ``STACK_TRACE`` (config or environment variable),
which logs one tree per request, by ``STACK_BREAK=routing,session,view``, which stops
in the debugger (``breakpoint()``, so ``PYTHONBREAKPOINT`` is honoured) each time a
request enters one of the named layers, or by the inspector at ``/_stack/``, which shows
the trace of its own request.

:func:`record` collects the traces made while it is active, for tests and for the
command line (``python -m wsgi_stack trace``) that want the spans, not the log text.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar

T = TypeVar("T")

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
    "signal",  # a blinker signal sent to at least one receiver (wsgi_stack.signals)
)


@dataclass(slots=True)
class Span:
    """One thing one layer did, with how long it took and what it found.

    ``depth`` is the nesting level: a span entered while another one is open (a
    template rendered inside the view) is one level deeper. ``duration`` stays
    ``None`` for a span that was entered and never left (its layer raised).
    """

    layer: str
    name: str
    depth: int
    start: float
    info: dict[str, Any] = field(default_factory=dict)
    duration: float | None = None

    @property
    def event(self) -> str:
        """``"layer:name"``, the short form tests and logs compare."""
        return f"{self.layer}:{self.name}"

    def as_dict(self) -> dict[str, Any]:
        """The span as JSON-ready data (values that are not plain become their repr)."""
        return {
            "layer": self.layer,
            "name": self.name,
            "depth": self.depth,
            "duration_ms": None if self.duration is None else round(self.duration * 1000, 3),
            "info": {key: plain(value) for key, value in self.info.items()},
        }


def plain(value: Any) -> Any:
    """``value`` as JSON-ready data: containers recursed into, other objects repr'd."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    return repr(value)


#: The traces :func:`record` is collecting in this context, or ``None``.
_recorder: ContextVar[list[RequestTrace] | None] = ContextVar("wsgi_stack.trace_recorder", default=None)


class RequestTrace:
    """The spans of one request, in the order they started, nested by depth."""

    def __init__(self, break_at: frozenset[str] = frozenset()) -> None:
        self.spans: list[Span] = []
        #: The layers whose spans stop in the debugger (``STACK_BREAK``).
        self.break_at = break_at
        self._depth = 0
        recorder = _recorder.get()
        if recorder is not None:
            recorder.append(self)

    def enter(self, layer: str, name: str, **info: Any) -> Span:
        """Start a span; spans entered before :meth:`leave` nest inside it."""
        span = Span(layer, name, self._depth, time.perf_counter(), info)
        self.spans.append(span)
        self._depth += 1
        if layer in self.break_at:
            self.stop_here(span)
        return span

    def leave(self, span: Span, **info: Any) -> None:
        """End ``span``, adding what the layer found out (``info``).

        The depth goes back to the span's own: a span inside it that was never left
        (its layer raised before leaving it) ends here too, so one forgotten
        :meth:`leave` cannot shift the rest of the tree.
        """
        span.duration = time.perf_counter() - span.start
        span.info.update(info)
        self._depth = span.depth

    def run(self, span: Span, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call ``func`` inside the open ``span``. If it raises, the span is closed with
        what was raised and the exception goes on; on success the caller closes the
        span with what it wants to record about the result."""
        try:
            return func(*args, **kwargs)
        except BaseException as exc:
            self.leave(span, raised=repr(exc))
            raise

    def note(self, layer: str, name: str, **info: Any) -> Span:
        """A span with no duration worth measuring: something a layer decided."""
        span = Span(layer, name, self._depth, time.perf_counter(), info, 0.0)
        self.spans.append(span)
        if layer in self.break_at:
            self.stop_here(span)
        return span

    def stop_here(self, span: Span) -> None:
        """Enter the debugger at a layer boundary named in ``STACK_BREAK``.

        The debugger stops in this frame, where three locals are worth looking at:
        ``span`` (what the layer is about to do), ``here`` (the layer's own local
        variables: the request, the URL adapter, the view function, ...) and ``trace``
        (every span so far). ``up 2`` steps into the layer's frame itself.
        """
        here = _layer_locals()  # noqa: F841 - for the person in the debugger
        trace = self  # noqa: F841 - likewise
        breakpoint()

    @property
    def events(self) -> list[str]:
        """``["context:push", "session:open", ...]``: the spans in order, names only."""
        return [span.event for span in self.spans]

    def as_list(self) -> list[dict[str, Any]]:
        """Every span as JSON-ready data, in order."""
        return [span.as_dict() for span in self.spans]

    def render(self) -> str:
        """The spans as an indented tree, one line each::

            context:push 0.310 ms
              session:open 0.190 ms interface='SecureCookieSessionInterface' keys=[]
        """
        lines = []
        for span in self.spans:
            timing = " (unfinished)" if span.duration is None else f" {span.duration * 1000:.3f} ms"
            details = " ".join(f"{key}={plain(value)!r}" for key, value in span.info.items())
            lines.append(f"{'  ' * span.depth}{span.event}{timing} {details}".rstrip())
        return "\n".join(lines)


def _layer_locals() -> dict[str, Any]:
    """The local variables of the nearest frame outside this module: the layer that
    called :meth:`RequestTrace.enter` or :meth:`RequestTrace.note`."""
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_code.co_filename == __file__:
        frame = frame.f_back
    return dict(frame.f_locals)


@contextmanager
def record() -> Iterator[list[RequestTrace]]:
    """Collect every :class:`RequestTrace` made in this context while the block runs::

        with record() as traces:
            client.get("/")
        print(traces[-1].render())

    Requests are traced only when the app turns tracing on (``STACK_TRACE``,
    ``STACK_BREAK`` or the inspector); this only keeps the traces they make.
    """
    traces: list[RequestTrace] = []
    token = _recorder.set(traces)
    try:
        yield traces
    finally:
        _recorder.reset(token)


def parse_layer_names(value: str | Iterable[str] | None) -> frozenset[str]:
    """``"routing, view"`` (or ``["routing", "view"]``) -> ``{"routing", "view"}``;
    ``"all"`` is every layer.

    Unknown names are an error, so a typo does not silently stop nowhere.
    """
    if not value:
        return frozenset()
    if not isinstance(value, str):
        value = ",".join(value)
    return _parse_layer_string(value)


@lru_cache(maxsize=64)
def _parse_layer_string(value: str) -> frozenset[str]:
    # Cached: an app passes the same config string for every request it traces.
    names = frozenset(part.strip().lower() for part in value.split(",") if part.strip())
    if "all" in names:
        return frozenset(LAYERS)
    unknown = names - set(LAYERS)
    if unknown:
        raise ValueError(
            f"Unknown layer name(s) in STACK_BREAK: {', '.join(sorted(unknown))}."
            f" Known layers: {', '.join(LAYERS)} (or 'all')."
        )
    return names


def env_flag(name: str) -> bool:
    """Whether the environment variable ``name`` is set to a true-ish value."""
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}
