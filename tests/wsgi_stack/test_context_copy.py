"""A request context copied into a greenlet (or thread) that runs after the request ended.

Each greenlet has its own context variables, empty at its start: the copy is what gives it
``request``, ``session`` and ``current_app``, and the signals of the app context it pushes.
"""

from __future__ import annotations

import threading

import pytest

from wsgi_stack import Flask, copy_current_request_context, current_app, request, session
from wsgi_stack import appcontext_popped, appcontext_pushed
from wsgi_stack.globals import request_ctx

greenlet = pytest.importorskip("greenlet").greenlet


def make_app() -> Flask:
    app = Flask(__name__)
    app.secret_key = "test-secret"
    return app


def test_a_copied_context_pushed_in_a_greenlet_after_the_request() -> None:
    app = make_app()
    later: list[object] = []

    @app.route("/")
    def index() -> str:
        session["fizz"] = "buzz"
        copy = request_ctx.copy()

        def run() -> tuple[object, ...]:
            outside = (bool(request), bool(current_app))
            with copy:
                inside = (request.path, request.args["foo"], session["fizz"], current_app._get_current_object())
            return outside, inside, bool(request)

        later.append(greenlet(run))
        return "done"

    assert app.test_client().get("/?foo=bar").data == b"done"
    outside, inside, after = later[0].switch()  # type: ignore[attr-defined]
    assert outside == (False, False)
    assert inside == ("/", "bar", "buzz", app)
    assert after is False


def test_copy_current_request_context_in_a_greenlet_and_a_thread() -> None:
    app = make_app()
    jobs: list[object] = []
    heard: list[str] = []

    @app.route("/")
    def index() -> str:
        session["fizz"] = "buzz"

        @copy_current_request_context
        def job() -> str:
            return f"{request.path} foo={request.args['foo']} {session['fizz']}"

        jobs.append(job)
        return "ok"

    app.test_client().get("/?foo=bar")
    [job] = jobs
    with (
        appcontext_pushed.connected_to(lambda sender: heard.append("pushed"), app),
        appcontext_popped.connected_to(lambda sender: heard.append("popped"), app),
    ):
        assert greenlet(job).switch() == "/ foo=bar buzz"
        results: list[str] = []
        thread = threading.Thread(target=lambda: results.append(job()))
        thread.start()
        thread.join(10)
    assert results == ["/ foo=bar buzz"]
    # The copy pushes its own app context each time it runs.
    assert heard == ["pushed", "popped", "pushed", "popped"]
