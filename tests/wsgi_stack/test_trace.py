"""The layer trace: which events a request records, in which order, and what they say.

Each test builds a small app, sends one request with the test client inside
``trace.record()``, and compares the trace's ``(depth, "layer:name")`` pairs with the
exact sequence the request path must produce.
"""

from __future__ import annotations

import logging
import tracemalloc

import pytest

from wsgi_stack import Flask, abort, render_template_string, session
from wsgi_stack import trace as trace_module
from wsgi_stack.trace import LAYERS, RequestTrace, parse_layer_names, record


def make_app(**config) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="test-secret", STACK_TRACE=True, **config)
    return app


def run(app: Flask, method: str = "GET", path: str = "/", **kwargs):
    """One request; the response and the one trace it made."""
    with record() as traces:
        response = app.test_client().open(path, method=method, **kwargs)
    assert len(traces) == 1, [t.events for t in traces]
    return response, traces[0]


def shape(trace: RequestTrace) -> list[tuple[int, str]]:
    return [(span.depth, span.event) for span in trace.spans]


def span_named(trace: RequestTrace, event: str):
    [span] = [s for s in trace.spans if s.event == event]
    return span


# The two spans every request starts with: the context push and, inside it, the URL
# match. The cookie session opens lazily: only a request that uses the session or
# sends its cookie has session spans (see the session tests below).
PUSH = [(0, "context:push"), (1, "routing:match")]


@pytest.fixture()
def hooked_app() -> Flask:
    """An app with one hook of each kind and views for the paths below."""
    app = make_app()

    @app.before_request
    def check_user():
        return None

    @app.after_request
    def add_header(response):
        response.headers["X-Seen"] = "1"
        return response

    @app.teardown_request
    def close_db(exc):
        pass

    @app.route("/")
    def index():
        return "hello"

    @app.route("/missing")
    def missing():
        abort(404)

    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    return app


def test_success_path(hooked_app):
    response, trace = run(hooked_app)
    assert response.status_code == 200
    assert shape(trace) == PUSH + [
        (0, "hook:before_request:check_user"),
        (0, "view:index"),
        (0, "hook:after_request:add_header"),
        (0, "response:sent"),
        (0, "context:pop"),
        (1, "hook:teardown_request:close_db"),
    ]
    match = span_named(trace, "routing:match")
    assert match.info == {"path": "/", "rule": "/", "endpoint": "index", "view_args": {}}
    assert span_named(trace, "view:index").info["returned"] == "str"
    assert span_named(trace, "response:sent").info == {"status": 200, "size": len(b"hello")}
    # Every span that was entered was also left.
    assert all(span.duration is not None and span.duration >= 0 for span in trace.spans)


def test_view_args_are_recorded():
    app = make_app()

    @app.route("/user/<int:user_id>")
    def user(user_id):
        return str(user_id)

    _, trace = run(app, path="/user/42")
    match = span_named(trace, "routing:match")
    assert (match.info["rule"], match.info["endpoint"], match.info["view_args"]) == (
        "/user/<int:user_id>",
        "user",
        {"user_id": 42},
    )


def test_abort_in_view(hooked_app):
    response, trace = run(hooked_app, path="/missing")
    assert response.status_code == 404
    assert shape(trace) == PUSH + [
        (0, "hook:before_request:check_user"),
        (0, "view:missing"),
        (0, "hook:after_request:add_header"),
        (0, "response:sent"),
        (0, "context:pop"),
        (1, "hook:teardown_request:close_db"),
    ]
    assert "NotFound" in span_named(trace, "view:missing").info["raised"]
    assert span_named(trace, "response:sent").info["status"] == 404


def test_abort_with_error_handler(hooked_app):
    @hooked_app.errorhandler(404)
    def not_found(error):
        return "nothing here", 404

    response, trace = run(hooked_app, path="/missing")
    assert response.data == b"nothing here"
    assert shape(trace) == PUSH + [
        (0, "hook:before_request:check_user"),
        (0, "view:missing"),
        (0, "error:not_found"),
        (0, "hook:after_request:add_header"),
        (0, "response:sent"),
        (0, "context:pop"),
        (1, "hook:teardown_request:close_db"),
    ]
    assert "NotFound" in span_named(trace, "error:not_found").info["error"]


def test_error_handler_that_raises_closes_its_span_with_the_error(caplog):
    app = make_app()

    @app.errorhandler(404)
    def broken_handler(error):
        raise RuntimeError("handler failed")

    with caplog.at_level(logging.CRITICAL):
        response, trace = run(app, path="/missing")
    assert response.status_code == 500
    span = span_named(trace, "error:broken_handler")
    assert span.duration is not None  # closed, not left dangling
    assert span.info["raised"] == "RuntimeError('handler failed')"
    assert span_named(trace, "error:unhandled").depth == span.depth  # the tree did not shift


def test_unhandled_exception_becomes_500(hooked_app, caplog):
    hooked_app.config["PROPAGATE_EXCEPTIONS"] = False
    with caplog.at_level(logging.CRITICAL):  # the app logs the traceback; not needed here
        response, trace = run(hooked_app, path="/boom")
    assert response.status_code == 500
    assert shape(trace) == PUSH + [
        (0, "hook:before_request:check_user"),
        (0, "view:boom"),
        (0, "error:unhandled"),  # no handler took it: a 500
        (0, "hook:after_request:add_header"),
        (0, "response:sent"),
        (0, "context:pop"),
        (1, "hook:teardown_request:close_db"),
    ]
    assert span_named(trace, "view:boom").info["raised"] == "RuntimeError('boom')"
    assert span_named(trace, "response:sent").info["status"] == 500


def test_unhandled_exception_with_500_handler(hooked_app, caplog):
    hooked_app.config["PROPAGATE_EXCEPTIONS"] = False

    @hooked_app.errorhandler(500)
    def server_error(error):
        return "sorry", 500

    with caplog.at_level(logging.CRITICAL):
        response, trace = run(hooked_app, path="/boom")
    assert response.data == b"sorry"
    assert "error:server_error" in trace.events
    assert trace.events.index("error:server_error") == trace.events.index("view:boom") + 2
    assert "InternalServerError" in span_named(trace, "error:server_error").info["error"]


def test_before_request_short_circuit(hooked_app):
    @hooked_app.before_request
    def gate():
        return "stopped", 403

    response, trace = run(hooked_app)
    assert response.status_code == 403
    assert shape(trace) == PUSH + [
        (0, "hook:before_request:check_user"),
        (0, "hook:before_request:gate"),
        # No view: the hook's return value is the response.
        (0, "hook:after_request:add_header"),
        (0, "response:sent"),
        (0, "context:pop"),
        (1, "hook:teardown_request:close_db"),
    ]
    assert span_named(trace, "hook:before_request:gate").info["returned"] == "tuple"
    assert span_named(trace, "hook:before_request:check_user").info["returned"] is None


@pytest.mark.parametrize(
    ("method", "path", "status", "error"),
    [("GET", "/nowhere", 404, "NotFound"), ("POST", "/", 405, "MethodNotAllowed")],
)
def test_routing_errors(hooked_app, method, path, status, error):
    response, trace = run(hooked_app, method=method, path=path)
    assert response.status_code == status
    assert shape(trace) == PUSH + [
        # The before hooks still run (they may answer an unmatched URL); no view.
        (0, "hook:before_request:check_user"),
        (0, "hook:after_request:add_header"),
        (0, "response:sent"),
        (0, "context:pop"),
        (1, "hook:teardown_request:close_db"),
    ]
    match = span_named(trace, "routing:match")
    assert error in match.info["error"]
    assert "endpoint" not in match.info


def test_session_opens_on_first_use_and_a_write_sets_the_cookie():
    app = make_app()

    @app.route("/login")
    def login():
        session["user_id"] = 7
        return "in"

    @app.route("/look")
    def look():
        return str(session.get("user_id"))

    @app.route("/plain")
    def plain():
        return "no session here"

    client = app.test_client()
    with record() as traces:
        client.get("/login")
        client.get("/look")
        client.get("/plain")
    written, read, untouched = traces

    assert shape(written) == PUSH + [
        (0, "view:login"),
        (1, "session:open"),  # opened by the view's first use, inside the view
        (0, "session:save"),
        (0, "response:sent"),
        (0, "context:pop"),
    ]
    assert span_named(written, "session:open").info == {
        "interface": "SecureCookieSessionInterface",
        "keys": [],
    }
    assert span_named(written, "session:save").info == {"modified": True, "cookie_written": True}

    # The next request opens the session its cookie carried and writes nothing.
    assert span_named(read, "session:open").info["keys"] == ["user_id"]
    assert span_named(read, "session:save").info == {"modified": False, "cookie_written": False}

    # A request that sends the cookie but never uses the session opens it only when
    # the response is saved (a permanent session may need its cookie refreshed).
    assert shape(untouched) == PUSH + [
        (0, "view:plain"),
        (0, "session:open"),
        (0, "session:save"),
        (0, "response:sent"),
        (0, "context:pop"),
    ]


def test_no_session_spans_without_a_cookie_or_a_use(hooked_app):
    _, trace = run(hooked_app)
    assert not [event for event in trace.events if event.startswith("session:")]


def test_no_session_is_saved_without_secret_key():
    app = Flask(__name__)
    app.config["STACK_TRACE"] = True

    @app.route("/")
    def index():
        return str(session.get("x"))

    _, trace = run(app)
    assert span_named(trace, "session:open").info == {
        "interface": "SecureCookieSessionInterface",
        "keys": [],
    }
    # The null session is never saved.
    assert "session:save" not in trace.events


def test_template_render_nests_inside_the_view():
    app = make_app()

    @app.route("/")
    def index():
        return render_template_string("<p>{{ word }}</p>", word="hi")

    _, trace = run(app)
    assert shape(trace) == PUSH + [(0, "view:index"), (1, "template:<string>"), (0, "response:sent"), (0, "context:pop")]
    assert span_named(trace, "template:<string>").info == {"size": len("<p>hi</p>")}
    view, template = span_named(trace, "view:index"), span_named(trace, "template:<string>")
    # The template's time is part of the view's.
    assert view.start <= template.start
    assert template.duration <= view.duration


def test_trace_is_logged_when_stack_trace_is_on(hooked_app, monkeypatch):
    records = []
    logger = logging.getLogger("wsgi_stack.trace")
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    try:
        hooked_app.test_client().get("/?q=1")
    finally:
        logger.removeHandler(handler)
    [message] = [r.getMessage() for r in records]
    first, *tree = message.splitlines()
    assert first == "GET /?q=1"
    assert tree[0].startswith("context:push ")
    assert tree[1].startswith("  routing:match ") and "endpoint='index'" in tree[1]
    assert tree[-3].startswith("response:sent ") and "status=200" in tree[-3]
    assert tree[-2].startswith("context:pop ")
    assert tree[-1].startswith("  hook:teardown_request:close_db ")


def test_tracing_off_makes_no_trace_and_allocates_nothing_in_trace():
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "k"
    assert not app.config["STACK_TRACE"] and not app.config["STACK_BREAK"]

    @app.route("/")
    def index():
        session["n"] = session.get("n", 0) + 1
        return render_template_string("{{ 1 }}")

    client = app.test_client()
    client.get("/")  # warm up caches (templates, adapters)
    with record() as traces:
        tracemalloc.start()
        try:
            for _ in range(20):
                assert client.get("/").status_code == 200
            snapshot = tracemalloc.take_snapshot()
        finally:
            tracemalloc.stop()
    assert traces == []
    in_trace = snapshot.filter_traces([tracemalloc.Filter(True, trace_module.__file__)])
    assert in_trace.statistics("filename") == []


def test_inspector_turns_tracing_on_without_logging(hooked_app):
    hooked_app.config.update(STACK_TRACE=False, STACK_INSPECTOR=True)
    _, trace = run(hooked_app)
    assert trace.events[-2:] == ["context:pop", "hook:teardown_request:close_db"]


# -- the mechanism on its own -------------------------------------------------------


def test_nesting_and_render():
    trace = RequestTrace()
    outer = trace.enter("view", "index", function="index")
    inner = trace.enter("template", "page.html")
    trace.leave(inner, size=10)
    trace.leave(outer, returned="str")
    trace.note("response", "sent", status=200)
    assert shape(trace) == [(0, "view:index"), (1, "template:page.html"), (0, "response:sent")]
    lines = trace.render().splitlines()
    assert lines[0].startswith("view:index ") and lines[0].endswith("function='index' returned='str'")
    assert lines[1].startswith("  template:page.html ") and lines[1].endswith(" ms size=10")
    assert lines[2] == "response:sent 0.000 ms status=200"
    data = trace.as_list()
    assert [d["depth"] for d in data] == [0, 1, 0]
    assert data[1]["info"] == {"size": 10}
    assert isinstance(data[0]["duration_ms"], float)


def test_a_span_left_unfinished_does_not_shift_the_tree():
    trace = RequestTrace()
    outer = trace.enter("view", "index")
    trace.enter("template", "broken.html")  # its layer raised: never left
    trace.leave(outer, raised="TemplateError()")
    trace.note("response", "sent")
    assert shape(trace) == [(0, "view:index"), (1, "template:broken.html"), (0, "response:sent")]
    assert "template:broken.html (unfinished)" in trace.render()
    assert trace.as_list()[1]["duration_ms"] is None


def test_values_that_are_not_plain_are_shown_as_repr():
    trace = RequestTrace()
    trace.note("routing", "match", view_args={"when": object, "ids": (1, 2)})
    info = trace.as_list()[0]["info"]
    assert info == {"view_args": {"when": repr(object), "ids": [1, 2]}}


def test_record_collects_only_inside_the_block():
    with record() as traces:
        first = RequestTrace()
        with record() as inner:
            second = RequestTrace()
        third = RequestTrace()
    RequestTrace()
    assert inner == [second]
    assert traces == [first, third]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, frozenset()),
        ("", frozenset()),
        ("routing", {"routing"}),
        (" routing , View,,", {"routing", "view"}),
        ("all", set(LAYERS)),
        (["routing", "view"], {"routing", "view"}),
        (("session",), {"session"}),
    ],
)
def test_parse_layer_names(value, expected):
    assert parse_layer_names(value) == expected


def test_parse_layer_names_rejects_unknown_names():
    with pytest.raises(ValueError, match=r"routeing.*Known layers: context, session"):
        parse_layer_names("routeing,view")


def test_a_template_that_raises_ends_its_span(caplog):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.route("/")
    def index():
        return render_template_string("{{ 1 // 0 }}")

    with caplog.at_level(logging.CRITICAL):
        response, trace = run(app)
    assert response.status_code == 500
    span = span_named(trace, "template:<string>")
    assert span.depth == 1 and span.duration is not None
    assert "ZeroDivisionError" in span.info["raised"]


def test_a_propagated_exception_is_noted_before_it_leaves(hooked_app):
    hooked_app.config["PROPAGATE_EXCEPTIONS"] = True
    with record() as traces, pytest.raises(RuntimeError):
        hooked_app.test_client().get("/boom")
    [trace] = traces
    assert span_named(trace, "error:unhandled").info == {
        "error": "RuntimeError('boom')",
        "propagated": True,
    }
    # No response was made; the context was still popped, its teardown run.
    assert trace.events[-3:] == ["error:unhandled", "context:pop", "hook:teardown_request:close_db"]
    assert "RuntimeError" in span_named(trace, "context:pop").info["error"]
