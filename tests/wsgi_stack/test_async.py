"""Async views, hooks and error handlers through asgiref; the error without it; ensure_sync.

Flask's own test_async.py runs in the suite harness (it needs blueprints too).
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import pytest

from wsgi_stack import Flask, g, request, session
from wsgi_stack.views import MethodView

pytest.importorskip("asgiref")


class Refused(Exception):
    pass


def make_async_app() -> Flask:
    app = Flask(__name__)
    app.secret_key = "test-secret"
    calls: list[str] = []
    app.config["CALLS"] = calls

    @app.before_request
    async def before() -> None:
        await asyncio.sleep(0)
        g.user = "ann"
        calls.append("before")

    @app.after_request
    async def after(response: Any) -> Any:
        await asyncio.sleep(0)
        response.headers["X-After"] = "async"
        calls.append("after")
        return response

    @app.teardown_request
    async def teardown(exc: BaseException | None) -> None:
        calls.append(f"teardown {type(exc).__name__ if exc else None}")

    @app.errorhandler(Refused)
    async def refused(error: Refused) -> Any:
        await asyncio.sleep(0)
        return f"refused {request.path}", 403

    @app.route("/", methods=["GET", "POST"])
    async def index() -> str:
        await asyncio.sleep(0)
        session["seen"] = True  # written inside the coroutine, saved after it
        return f"{request.method} {g.user}"

    @app.route("/refuse")
    async def refuse() -> str:
        raise Refused()

    class Things(MethodView):
        async def get(self) -> str:
            await asyncio.sleep(0)
            return "async get"

    app.add_url_rule("/things", view_func=Things.as_view("things"))
    return app


def test_async_view_and_hooks_see_the_request_context() -> None:
    app = make_async_app()
    client = app.test_client()
    response = client.post("/")
    assert response.data == b"POST ann"
    assert response.headers["X-After"] == "async"
    assert "session=" in response.headers["Set-Cookie"]
    assert app.config["CALLS"] == ["before", "after", "teardown None"]


def test_async_error_handler_and_method_view() -> None:
    client = make_async_app().test_client()
    response = client.get("/refuse")
    assert (response.status_code, response.data) == (403, b"refused /refuse")
    assert client.get("/things").data == b"async get"


def test_without_asgiref_a_clear_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "asgiref.sync", None)  # import fails as if not installed
    app = Flask(__name__)

    @app.route("/")
    async def index() -> str:
        return "never"

    app.testing = True
    with pytest.raises(RuntimeError, match=r"'async' extra.*wsgi_stack\[async\]"):
        app.test_client().get("/")


def test_ensure_sync_leaves_plain_functions_and_wraps_coroutine_functions() -> None:
    app = Flask(__name__)

    def plain() -> str:
        return "plain"

    async def coroutine() -> str:
        return "awaited"

    class Callable:
        def __call__(self) -> str:
            return "called"

    assert app.ensure_sync(plain) is plain
    instance = Callable()
    assert app.ensure_sync(instance) is instance
    wrapped = app.ensure_sync(coroutine)
    assert wrapped is not coroutine
    assert wrapped() == "awaited"
