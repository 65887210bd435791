"""The app and context layers: behaviour that is ours on purpose, and error paths."""

import logging
import threading

import pytest

import wsgi_stack
from wsgi_stack import App, Flask, current_app, request


def test_flask_is_the_same_class():
    assert Flask is App
    assert wsgi_stack.Flask is wsgi_stack.App


@pytest.mark.parametrize(
    ("name", "context_word"),
    [("current_app", "application context"), ("g", "application context"),
     ("request", "request context"), ("session", "request context")],
)
def test_proxies_outside_a_context_say_which_context_is_missing(name, context_word):
    proxy = getattr(wsgi_stack, name)
    with pytest.raises(RuntimeError, match=context_word):
        proxy.anything  # noqa: B018


def test_request_context_pushes_and_pops_its_app_context():
    app = App(__name__)
    assert not wsgi_stack.has_app_context()
    with app.test_request_context("/x?a=1"):
        assert wsgi_stack.has_request_context() and current_app._get_current_object() is app
        assert request.args["a"] == "1"
        other = App("other")
        with other.app_context():
            assert current_app.name == "other"
        assert current_app._get_current_object() is app
    assert not wsgi_stack.has_app_context() and not wsgi_stack.has_request_context()


def test_popping_out_of_order_is_an_error():
    app = App(__name__)
    outer, inner = app.app_context(), app.app_context()
    outer.push()
    inner.push()
    with pytest.raises(AssertionError, match="Popped wrong app context"):
        outer.pop()
    assert not wsgi_stack.has_app_context()  # the wrong pop still reset the variable


def make_app_with_failing_teardown(calls, testing):
    app = App(__name__)
    app.testing = testing

    @app.route("/")
    def index():
        return "the response"

    @app.teardown_request
    def first(exc):
        calls.append("first")

    @app.teardown_request
    def broken(exc):
        calls.append("broken")
        raise ValueError("teardown failed")

    @app.teardown_appcontext
    def app_teardown(exc):
        calls.append("appcontext")

    return app


def test_teardown_error_does_not_hide_the_response(caplog):
    calls = []
    app = make_app_with_failing_teardown(calls, testing=False)
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/")
    assert response.status_code == 200 and response.text == "the response"
    assert calls == ["broken", "first", "appcontext"]  # reverse order, none skipped
    assert "teardown failed" in caplog.text


def test_teardown_error_still_reaches_tests():
    calls = []
    app = make_app_with_failing_teardown(calls, testing=True)
    with pytest.raises(ValueError, match="teardown failed"):
        app.test_client().get("/")
    assert calls == ["broken", "first", "appcontext"]


def test_unhandled_exception_is_logged_and_answered_500(caplog):
    app = App(__name__)

    @app.route("/boom")
    def boom():
        raise KeyError("secret detail")

    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert b"secret detail" not in response.data and b"Traceback" not in response.data
    assert "Exception on /boom [GET]" in caplog.text


def test_before_first_request_runs_once_across_threads():
    app = App(__name__)
    runs = []
    started = threading.Barrier(8)

    @app.before_first_request
    def setup():
        runs.append(threading.get_ident())

    @app.route("/")
    def index():
        return "ok"

    def hit():
        client = app.test_client()
        started.wait()
        assert client.get("/").status_code == 200

    threads = [threading.Thread(target=hit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(runs) == 1


def test_setup_after_first_request_is_refused():
    app = App(__name__)
    app.route("/")(lambda: "x")
    app.test_client().get("/")
    with pytest.raises(AssertionError, match="setup method 'add_url_rule'"):
        app.add_url_rule("/late", "late", lambda: "y")


def test_max_content_length_gives_413_and_malformed_json_400():
    app = App(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.route("/echo", methods=["POST"])
    def echo():
        return {"got": request.get_json()}

    client = app.test_client()
    too_long = "[" + "1," * 10 + "1]"
    assert client.post("/echo", data=too_long, content_type="application/json").status_code == 413
    response = client.post("/echo", data="{bad", content_type="application/json")
    assert response.status_code == 400
    assert client.post("/echo", json=[1]).json == {"got": [1]}


def test_app_does_not_keep_itself_alive():
    import gc
    import weakref

    gc.disable()
    try:
        app = App(__name__)
        app.route("/")(lambda: "x")
        ref = weakref.ref(app)
        del app
        assert ref() is None
    finally:
        gc.enable()
