"""wsgi_stack.signals: what each signal carries, that unheard signals cost no call, and the trace.

The order of signals relative to hooks is compared with Flask in
``differential/scenarios_signals.py``; Flask's own ``test_signals.py`` runs in the suite harness.
"""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import wsgi_stack
from wsgi_stack import Flask, render_template_string, signals
from wsgi_stack.trace import record

ALL_SIGNALS = [
    signals.template_rendered,
    signals.before_render_template,
    signals.request_started,
    signals.request_finished,
    signals.request_tearing_down,
    signals.got_request_exception,
    signals.appcontext_tearing_down,
    signals.appcontext_pushed,
    signals.appcontext_popped,
    signals.message_flashed,
]


@pytest.fixture(autouse=True)
def no_leftover_receivers() -> Iterator[None]:
    """Each test starts and ends with nobody listening (a leak would make others pay)."""
    assert [s.name for s in ALL_SIGNALS if s.receivers] == []
    yield
    leftovers = [s.name for s in ALL_SIGNALS if s.receivers]
    for s in ALL_SIGNALS:
        s.receivers.clear()
        s._by_sender.clear()
        s._by_receiver.clear()
    assert leftovers == []


def make_app(**config: object) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test-secret", **config)

    @app.route("/")
    def index() -> str:
        wsgi_stack.flash("hi", "info")
        return render_template_string("{{ word }}", word="hello")

    @app.route("/boom")
    def boom() -> str:
        raise ZeroDivisionError("boom")

    return app


def test_the_names_and_the_public_exports_are_flasks() -> None:
    assert [s.name for s in ALL_SIGNALS] == [
        "template-rendered",
        "before-render-template",
        "request-started",
        "request-finished",
        "request-tearing-down",
        "got-request-exception",
        "appcontext-tearing-down",
        "appcontext-pushed",
        "appcontext-popped",
        "message-flashed",
    ]
    for s in ALL_SIGNALS:
        assert getattr(wsgi_stack, s.name.replace("-", "_")) is s


def test_every_signal_of_one_request_with_its_arguments() -> None:
    app = make_app()
    heard: list[tuple[str, object, dict[str, object]]] = []
    receivers = []
    for s in ALL_SIGNALS:
        # One receiver function per signal, so that the signal's name is known inside.
        def receiver(sender: object, _name: str = s.name, **extra: object) -> None:
            heard.append((_name, sender, extra))

        receivers.append((s, receiver))
        s.connect(receiver, app)
    try:
        response = app.test_client().get("/")
    finally:
        for s, receiver in receivers:
            s.disconnect(receiver)

    assert response.data == b"hello"
    assert [name for name, _, _ in heard] == [
        "appcontext-pushed",
        "request-started",
        "message-flashed",
        "before-render-template",
        "template-rendered",
        "request-finished",
        "request-tearing-down",
        "appcontext-tearing-down",
        "appcontext-popped",
    ]
    assert all(sender is app for _, sender, _ in heard)
    extras = {name: extra for name, _, extra in heard}
    assert extras["message-flashed"] == {"message": "hi", "category": "info"}
    assert extras["template-rendered"]["context"]["word"] == "hello"  # type: ignore[index]
    assert extras["template-rendered"]["template"].name is None  # type: ignore[union-attr]
    assert extras["request-finished"]["response"].status_code == 200  # type: ignore[union-attr]
    assert extras["request-tearing-down"] == {"exc": None}
    assert extras["appcontext-tearing-down"] == {"exc": None}


def test_got_request_exception_carries_the_exception_before_the_500() -> None:
    app = make_app()
    heard: list[BaseException] = []

    def receiver(sender: Flask, exception: BaseException) -> None:
        heard.append(exception)

    with signals.got_request_exception.connected_to(receiver, app):
        response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert [type(e) for e in heard] == [ZeroDivisionError]


def test_a_receiver_for_another_app_is_not_called() -> None:
    app, other = make_app(), make_app()
    heard: list[object] = []
    with signals.request_started.connected_to(lambda sender: heard.append(sender), other):
        app.test_client().get("/")
        assert heard == []
        other.test_client().get("/")
        assert heard == [other]


def test_an_async_receiver_runs_through_ensure_sync() -> None:
    app = make_app()
    heard: list[str] = []

    async def receiver(sender: Flask, response: object) -> None:
        await asyncio.sleep(0)
        heard.append(wsgi_stack.request.path)

    with signals.request_finished.connected_to(receiver, app):
        app.test_client().get("/")
    assert heard == ["/"]


def test_unheard_signals_cost_no_function_call() -> None:
    """With no receivers, a request never calls into blinker or into signals.send."""
    app = make_app()
    watched = (str(Path(signals.__file__)), str(Path(sys.modules["blinker"].__file__).parent))
    calls: list[str] = []

    def profiler(frame, event, arg):  # type: ignore[no-untyped-def]
        if event == "call" and frame.f_code.co_filename.startswith(watched):
            calls.append(f"{frame.f_code.co_filename}:{frame.f_code.co_name}")

    client = app.test_client()
    client.get("/")  # warm up (the Jinja environment, the session interface)
    # Apps of earlier tests that were senders die in garbage collection, and blinker's
    # weakref callback for them would run wherever that happens: not a cost of requests.
    gc.collect()
    gc.disable()
    sys.setprofile(profiler)
    try:
        assert client.get("/").status_code == 200
        assert client.get("/boom").status_code == 500
        with app.app_context():
            pass
    finally:
        sys.setprofile(None)
        gc.enable()
    assert calls == []


def test_the_same_requests_call_into_signals_when_someone_listens() -> None:
    """The counterpart of the test above, so that it cannot pass by watching the wrong files."""
    app = make_app()
    watched = str(Path(signals.__file__))
    calls: list[str] = []

    def profiler(frame, event, arg):  # type: ignore[no-untyped-def]
        if event == "call" and frame.f_code.co_filename == watched:
            calls.append(frame.f_code.co_name)

    with signals.request_started.connected_to(lambda sender: None, app):
        sys.setprofile(profiler)
        try:
            app.test_client().get("/")
        finally:
            sys.setprofile(None)
    assert "send" in calls


def test_the_trace_shows_signals_that_have_receivers() -> None:
    app = make_app(STACK_TRACE=True)

    def started(sender: Flask) -> None:
        pass

    def popped(sender: Flask) -> None:
        pass

    def rendered(sender: Flask, **extra: object) -> None:
        pass

    with (
        signals.request_started.connected_to(started, app),
        signals.appcontext_popped.connected_to(popped, app),
        signals.template_rendered.connected_to(rendered, app),
        signals.request_finished.connected_to(started, make_app()),  # another app's: not shown
        record() as traces,
    ):
        app.test_client().get("/")

    [trace] = traces
    signal_spans = [span for span in trace.spans if span.layer == "signal"]
    assert [(span.name, span.info) for span in signal_spans] == [
        ("request-started", {"receivers": 1}),
        ("template-rendered", {"receivers": 1}),
        ("appcontext-popped", {"receivers": 1}),
    ]
    assert all(span.duration is not None for span in signal_spans)
    # appcontext_popped is sent while the request context is being popped: inside its span.
    events = trace.events
    assert events.index("context:pop") < events.index("signal:appcontext-popped")


def test_a_receiver_that_raises_closes_its_trace_span() -> None:
    app = make_app(STACK_TRACE=True)

    def fails(sender: Flask) -> None:
        raise KeyError("receiver")

    with signals.request_started.connected_to(fails, app), record() as traces:
        response = app.test_client().get("/")
    assert response.status_code == 500
    [span] = [span for span in traces[0].spans if span.layer == "signal"]
    assert span.info["raised"] == "KeyError('receiver')"


def test_no_signal_spans_without_receivers() -> None:
    app = make_app(STACK_TRACE=True)
    with record() as traces:
        app.test_client().get("/")
    assert not [span for span in traces[0].spans if span.layer == "signal"]
