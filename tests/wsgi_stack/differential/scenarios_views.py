"""Class-based views and async views (issue 14), answered the same as Flask.

``fw.views`` is imported by name (``flask.views`` / ``wsgi_stack.views``); async views need
asgiref, which both frameworks use.
"""

from __future__ import annotations

import asyncio
import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

from .kit import make_app, req, scenario


def _views(fw: ModuleType) -> ModuleType:
    return importlib.import_module(f"{fw.__name__}.views")


def _tag(label: str) -> Any:
    def decorator(f: Any) -> Any:
        def wrapper(**kwargs: Any) -> str:
            return f"{label}[{f(**kwargs)}]"

        return wrapper

    return decorator


@scenario("View: methods, URL values, constructor arguments, decorators in order",
          "/greet/ann", req("/greet/bob", "POST"), req("/greet/ann", "PUT"), req("/greet/ann", "OPTIONS"))
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)

    class Greet(_views(fw).View):
        methods = ["GET", "POST"]
        decorators = [_tag("inner"), _tag("outer")]

        def __init__(self, greeting: str) -> None:
            self.greeting = greeting

        def dispatch_request(self, name: str) -> str:
            return f"{self.greeting} {name} by {fw.request.method}"

    app.add_url_rule("/greet/<name>", view_func=Greet.as_view("greet", "hello"))
    return app


@scenario("MethodView: methods from the class and its bases, HEAD through get, 405, OPTIONS",
          "/items/1", req("/items/1", "HEAD"), req("/items/1", "DELETE"), req("/items/1", "PATCH"),
          req("/items/1", "OPTIONS"), req("/fixed", "DELETE"), req("/fixed", "OPTIONS"))
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    views = _views(fw)

    class Item(views.MethodView):
        def get(self, item_id: int) -> str:
            return f"item {item_id}"

    class EditableItem(Item):
        def delete(self, item_id: int) -> tuple[str, int]:
            return f"deleted {item_id}", 202

    class Fixed(EditableItem):
        methods = ["GET"]

    app.add_url_rule("/items/<int:item_id>", view_func=EditableItem.as_view("item"))
    app.add_url_rule("/fixed", view_func=Fixed.as_view("fixed"), defaults={"item_id": 0})
    return app


@scenario("View: init_every_request False shares one instance; url_for the view's endpoint",
          "/count", "/count", "/where")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)

    class Counter(_views(fw).View):
        init_every_request = False

        def __init__(self) -> None:
            self.count = 0

        def dispatch_request(self) -> str:
            self.count += 1
            return str(self.count)

    app.add_url_rule("/count", view_func=Counter.as_view("counter"))
    app.add_url_rule("/where", "where", lambda: fw.url_for("counter"))
    return app


@scenario("View without dispatch_request is a 500", "/")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/", view_func=_views(fw).View.as_view("index"))
    return app


@scenario("async views, hooks and error handlers", "/", req("/", "POST"), "/refuse", "/things",
          probe=lambda fw, app: list(app.config["HOOK_LOG"]), headers=("X-After",))
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root, SECRET_KEY="async-secret")
    log: list[str] = []
    app.config["HOOK_LOG"] = log

    @app.before_request
    async def before() -> None:
        await asyncio.sleep(0)
        fw.g.who = "ann"
        log.append(f"before {fw.request.path}")

    @app.after_request
    async def after(response: Any) -> Any:
        response.headers["X-After"] = "async"
        log.append(f"after {response.status_code}")
        return response

    @app.teardown_request
    async def teardown(exc: BaseException | None) -> None:
        log.append(f"teardown {exc!r}")

    @app.errorhandler(LookupError)
    async def lookup(error: LookupError) -> Any:
        await asyncio.sleep(0)
        return f"refused: {error}", 403

    @app.route("/", methods=["GET", "POST"])
    async def index() -> str:
        await asyncio.sleep(0)
        fw.session["visits"] = fw.session.get("visits", 0) + 1
        return f"{fw.request.method} {fw.g.who} {fw.session['visits']}"

    @app.route("/refuse")
    async def refuse() -> str:
        raise LookupError("no")

    class Things(_views(fw).MethodView):
        async def get(self) -> str:
            await asyncio.sleep(0)
            return "async method view"

    app.add_url_rule("/things", view_func=Things.as_view("things"))
    return app
