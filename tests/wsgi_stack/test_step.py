"""Step-through mode: ``STACK_BREAK`` calls ``breakpoint()`` at exactly the named layers.

``PYTHONBREAKPOINT`` points at :func:`record_stop` below instead of a debugger. Python's
``sys.breakpointhook`` reads that variable at every call, so setting it with monkeypatch
just before a request is enough.
"""

from __future__ import annotations

import sys

import pytest
from click.testing import CliRunner

from wsgi_stack import Flask, session
from wsgi_stack.cli import cli
from wsgi_stack.trace import LAYERS, record

#: What each breakpoint() call saw: (the span's "layer:name", the layer's local names).
STOPS: list[tuple[str, frozenset[str]]] = []

RECORDER = f"{__name__}.record_stop"
TINY = "tests.wsgi_stack.sample_apps.tiny"


def record_stop() -> None:
    """Stand-in for the debugger: note where the request stopped and what was in scope."""
    frame = sys._getframe(1)  # RequestTrace.stop_here, which called breakpoint()
    span, here = frame.f_locals["span"], frame.f_locals["here"]
    STOPS.append((span.event, frozenset(here)))


@pytest.fixture(autouse=True)
def recorder(monkeypatch):
    monkeypatch.setenv("PYTHONBREAKPOINT", RECORDER)
    monkeypatch.delenv("STACK_BREAK", raising=False)
    # The command sets FLASK_RUN_FROM_CLI, as a real command line must; recorded here
    # (set, then its original state restored) so that it does not outlive the test.
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "")
    # Never let a stray stop reach a real debugger waiting on stdin.
    monkeypatch.setattr(sys, "breakpointhook", sys.__breakpointhook__)
    STOPS.clear()
    yield STOPS
    STOPS.clear()


def make_app(break_at: str | None = None) -> Flask:
    """The app; ``STACK_BREAK`` is left at its default (the environment's) when
    ``break_at`` is ``None``."""
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "k"
    if break_at is not None:
        app.config["STACK_BREAK"] = break_at

    @app.before_request
    def before():
        pass

    @app.route("/<name>")
    def hello(name):
        session["name"] = name
        return f"hello {name}"

    return app


def stopped_at() -> list[str]:
    return [event for event, _ in STOPS]


def test_stops_at_exactly_the_named_layers():
    app = make_app("routing,session,view")
    response = app.test_client().get("/ann")
    assert response.data == b"hello ann"  # the recorder returns: the request goes on
    assert stopped_at() == ["routing:match", "view:hello", "session:open", "session:save"]


@pytest.mark.parametrize(
    ("break_at", "expected"),
    [
        ("view", ["view:hello"]),
        ("hook", ["hook:before_request:before"]),
        ("context,response", ["context:push", "response:sent", "context:pop"]),
        (None, []),
    ],
)
def test_each_layer_on_its_own(break_at, expected):
    make_app(break_at).test_client().get("/bob")
    assert stopped_at() == expected


def test_all_stops_at_every_span_of_the_trace():
    app = make_app("all")
    with record() as traces:
        app.test_client().get("/cy")
    assert stopped_at() == traces[0].events
    assert {event.split(":")[0] for event in stopped_at()} <= set(LAYERS)


def test_the_layers_objects_are_in_scope():
    make_app("routing,view,session").test_client().get("/dee")
    here = dict(STOPS)
    assert {"adapter", "request"} <= here["routing:match"]
    assert {"view_func", "req", "rule"} <= here["view:hello"]
    assert {"session_interface"} <= here["session:open"]
    assert {"session", "response"} <= here["session:save"]


def test_stack_break_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("STACK_BREAK", "view")
    app = make_app()
    assert app.config["STACK_BREAK"] == "view"
    app.test_client().get("/eve")
    assert stopped_at() == ["view:hello"]


def test_pythonbreakpoint_0_disables_the_stops(monkeypatch):
    monkeypatch.setenv("PYTHONBREAKPOINT", "0")
    assert make_app("all").test_client().get("/fay").status_code == 200
    assert STOPS == []


def test_an_unknown_layer_is_an_error_not_silence():
    app = make_app("veiw")
    with pytest.raises(ValueError, match="Unknown layer name"):
        app.test_client().get("/gus")


# -- wsgi-stack step ------------------------------------------------------------------------


def step(*args: str):
    return CliRunner().invoke(cli, ["--app", TINY, "step", *args])


def test_step_command_stops_at_the_named_layers():
    result = step("POST", "/login", "-d", "name=hal", "--break", "routing,view")
    assert result.exit_code == 0, result.output
    assert stopped_at() == ["routing:match", "view:login"]
    assert result.stdout.startswith("Stepping through POST /login, stopping at: routing, view.")
    assert "HTTP 200 OK" in result.stdout and "view:login" in result.stdout


def test_step_command_stops_everywhere_by_default():
    result = step("GET", "/")
    assert result.exit_code == 0, result.output
    tree = result.stdout.split("\n\n")[-1]
    assert stopped_at() == [line.split()[0] for line in tree.splitlines()]
    assert stopped_at()[:2] == ["context:push", "routing:match"]
    assert "template:<string>" in stopped_at()


def test_step_command_rejects_unknown_layers():
    result = step("GET", "/", "--break", "routing,nope")
    assert result.exit_code == 2
    assert "Unknown layer name(s) in STACK_BREAK: nope" in result.stderr
    assert STOPS == []
