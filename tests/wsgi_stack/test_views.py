"""wsgi_stack.views: View and MethodView (Flask's own test_views.py runs in the suite harness)."""

from __future__ import annotations

import functools
from typing import Any

from werkzeug.http import parse_set_header

from wsgi_stack import Flask, g, request
from wsgi_stack.views import MethodView, View, http_method_funcs


def allowed(app: Flask, path: str) -> list[str]:
    return sorted(parse_set_header(app.test_client().options(path).headers["Allow"]))


def test_view_gets_the_url_values_and_its_constructor_arguments() -> None:
    class Greet(View):
        def __init__(self, greeting: str) -> None:
            self.greeting = greeting

        def dispatch_request(self, name: str) -> str:
            return f"{self.greeting}, {name}"

    app = Flask(__name__)
    app.add_url_rule("/hi/<name>", view_func=Greet.as_view("greet", "Hello"))
    assert app.test_client().get("/hi/ann").data == b"Hello, ann"
    assert app.url_map._rules_by_endpoint["greet"][0].methods == {"GET", "HEAD", "OPTIONS"}


def test_an_instance_per_request_unless_init_every_request_is_false() -> None:
    made: list[object] = []

    class Counter(View):
        def __init__(self) -> None:
            made.append(self)

        def dispatch_request(self) -> str:
            return str(id(self))

    class Shared(Counter):
        init_every_request = False

    app = Flask(__name__)
    app.add_url_rule("/each", view_func=Counter.as_view("each"))
    app.add_url_rule("/shared", view_func=Shared.as_view("shared"))
    assert len(made) == 1  # the shared instance, made by as_view
    client = app.test_client()
    each = {client.get("/each").data for _ in range(3)}
    shared = {client.get("/shared").data for _ in range(3)}
    assert len(made) == 4
    assert len(shared) == 1
    assert shared != each


def test_decorators_apply_in_order_and_the_function_keeps_the_class_attributes() -> None:
    def tag(label: str) -> Any:
        def decorator(f: Any) -> Any:
            @functools.wraps(f)
            def wrapper(**kwargs: Any) -> str:
                return f"{label}({f(**kwargs)})"

            return wrapper

        return decorator

    class Page(View):
        """The page."""

        methods = ["GET", "POST"]
        decorators = [tag("inner"), tag("outer")]

        def dispatch_request(self) -> str:
            return request.method

    view = Page.as_view("page")
    assert view.__name__ == "page"
    assert view.__doc__ == "The page."
    assert view.view_class is Page  # type: ignore[attr-defined]
    assert view.methods == ["GET", "POST"]  # type: ignore[attr-defined]
    app = Flask(__name__)
    app.add_url_rule("/", view_func=view)
    assert app.test_client().post("/").data == b"outer(inner(POST))"


def test_method_view_methods_come_from_its_functions_and_its_bases() -> None:
    class Read(MethodView):
        def get(self) -> str:
            return "read"

    class ReadWrite(Read):
        def put(self) -> str:
            return "written"

    class Fixed(ReadWrite):
        methods = ["GET"]

    assert Read.methods == {"GET"}
    assert ReadWrite.methods == {"GET", "PUT"}
    assert Fixed.methods == ["GET"]
    assert http_method_funcs >= {"get", "put", "head"}

    app = Flask(__name__)
    app.add_url_rule("/rw", view_func=ReadWrite.as_view("rw"))
    app.add_url_rule("/fixed", view_func=Fixed.as_view("fixed"))
    client = app.test_client()
    assert client.put("/rw").data == b"written"
    assert client.head("/rw").status_code == 200  # HEAD falls back to get
    assert allowed(app, "/rw") == ["GET", "HEAD", "OPTIONS", "PUT"]
    assert client.put("/fixed").status_code == 405


def test_method_view_keeps_g_and_url_values() -> None:
    class Item(MethodView):
        def get(self, item_id: int) -> str:
            return f"{g.user} reads {item_id + 1}"

    app = Flask(__name__)

    @app.before_request
    def load_user() -> None:
        g.user = "ann"

    app.add_url_rule("/items/<int:item_id>", view_func=Item.as_view("item"))
    assert app.test_client().get("/items/41").data == b"ann reads 42"


def test_provide_automatic_options_false_leaves_options_unanswered() -> None:
    class NoOptions(View):
        provide_automatic_options = False

        def dispatch_request(self) -> str:
            return "x"

    app = Flask(__name__)
    app.add_url_rule("/", view_func=NoOptions.as_view("index"))
    assert app.test_client().options("/").status_code == 405
