"""Routing (issue 2): trailing slashes, converters, methods, defaults, redirect_to, endpoints, url_for."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

from werkzeug.routing import BaseConverter

from .kit import make_app, req, scenario


def _echo_view_args(fw: ModuleType) -> Any:
    """A view that shows what the converters produced, with Python types."""

    def view(**values: Any) -> str:
        shown = ", ".join(f"{k}={v!r}:{type(v).__name__}" for k, v in sorted(values.items()))
        return f"{fw.request.endpoint} {shown}"

    return view


# -- trailing slashes ---------------------------------------------------------------------------


@scenario("slash rule redirects the slashless URL with 308", "/hello", "/hello/", "/hello?x=1&y=2")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/hello/", "hello", lambda: "hello")
    return app


@scenario("slashless rule gives 404 for the slash URL", "/hello", "/hello/")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/hello", "hello", lambda: "hello")
    return app


@scenario("strict_slashes False accepts both forms", "/a", "/a/", "/b", "/b/")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/a/", "a", lambda: "a", strict_slashes=False)
    app.add_url_rule("/b", "b", lambda: "b", strict_slashes=False)
    return app


@scenario("slash redirect keeps the method with POST", req("/form", "POST", data={"k": "v"}))
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/form/", "form", lambda: fw.request.form["k"], methods=["POST"])
    return app


# -- converters ---------------------------------------------------------------------------------


@scenario("string converter: default, length limits, no slash",
          "/s/abc", "/s/a%20b", "/s/a/b", "/len/abc", "/len/abcd", "/minmax/a", "/minmax/ab", "/minmax/abcde")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    view = _echo_view_args(fw)
    app.add_url_rule("/s/<name>", "plain", view)
    app.add_url_rule("/len/<string(length=3):code>", "fixed", view)
    app.add_url_rule("/minmax/<string(minlength=2, maxlength=4):word>", "bounded", view)
    return app


@scenario("int converter: digits, sign, bounds, fixed digits",
          "/i/42", "/i/-1", "/i/1.5", "/i/x", "/signed/-7", "/range/3", "/range/9", "/fixed/0042", "/fixed/42")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    view = _echo_view_args(fw)
    app.add_url_rule("/i/<int:n>", "int", view)
    app.add_url_rule("/signed/<int(signed=True):n>", "signed", view)
    app.add_url_rule("/range/<int(min=1, max=5):n>", "range", view)
    app.add_url_rule("/fixed/<int(fixed_digits=4):n>", "fixed", view)
    return app


@scenario("float converter: needs a dot, sign optional", "/f/1.5", "/f/1", "/f/-1.5", "/sf/-1.5", "/f/.5")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    view = _echo_view_args(fw)
    app.add_url_rule("/f/<float:x>", "float", view)
    app.add_url_rule("/sf/<float(signed=True):x>", "signed", view)
    return app


@scenario("path converter takes slashes", "/p/a/b/c.txt", "/p/", "/p/a//b", "/pre/x/y/post")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    view = _echo_view_args(fw)
    app.add_url_rule("/p/<path:rest>", "path", view)
    app.add_url_rule("/pre/<path:middle>/post", "middle", view)
    return app


@scenario("uuid converter: valid, upper case, invalid",
          "/u/6ba7b810-9dad-11d1-80b4-00c04fd430c8", "/u/6BA7B810-9DAD-11D1-80B4-00C04FD430C8",
          "/u/6ba7b8109dad11d180b400c04fd430c8", "/u/not-a-uuid")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/u/<uuid:ident>", "uuid", _echo_view_args(fw))
    return app


@scenario("any converter: listed values only", "/about", "/help", "/other", "/x/a.json", "/x/a.xml")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    view = _echo_view_args(fw)
    app.add_url_rule("/<any(about, help):page>", "page", view)
    app.add_url_rule("/x/<name>.<any(json, csv):fmt>", "fmt", view)
    return app


class ListConverter(BaseConverter):
    """A custom converter: comma-separated words to a list and back."""

    def to_python(self, value: str) -> list[str]:
        return value.split(",")

    def to_url(self, value: list[str]) -> str:
        return ",".join(BaseConverter.to_url(self, item) for item in value)


class EvenConverter(BaseConverter):
    """A custom converter with a regex and a ValidationError for odd numbers."""

    regex = r"\d+"

    def to_python(self, value: str) -> int:
        from werkzeug.routing import ValidationError

        if int(value) % 2:
            raise ValidationError()
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


@scenario("custom converters registered on the app: to_python, to_url, ValidationError",
          "/l/a,b,c", "/l/one", "/even/4", "/even/5", "/even/x", "/build")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.url_map.converters["list"] = ListConverter
    app.url_map.converters["even"] = EvenConverter
    view = _echo_view_args(fw)
    app.add_url_rule("/l/<list:items>", "list", view)
    app.add_url_rule("/even/<even:n>", "even", view)
    app.add_url_rule(
        "/build", "build",
        lambda: fw.url_for("list", items=["x y", "z/w"]) + " " + fw.url_for("even", n=8),
    )
    return app


# -- methods ------------------------------------------------------------------------------------


@scenario("GET by default; HEAD automatic with Content-Length and no body; POST is 405",
          "/r", req("/r", "HEAD"), req("/r", "POST"), req("/r", "PUT"), req("/r", "DELETE"))
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/r", "r", lambda: f"method={fw.request.method}")
    return app


@scenario("OPTIONS answered automatically with Allow", req("/r", "OPTIONS"), req("/p", "OPTIONS"))
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/r", "r", lambda: "never for OPTIONS")
    app.add_url_rule("/p", "p", lambda: "x", methods=["POST", "PUT"])
    return app


@scenario("methods=[POST]: GET is 405 with Allow; POST and OPTIONS work",
          "/p", req("/p", "POST"), req("/p", "HEAD"), req("/p", "OPTIONS"), req("/p", "PATCH"))
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/p", "p", lambda: fw.request.method, methods=["POST"])
    return app


@scenario("lower-case methods are accepted", req("/p", "POST"), "/p")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/p", "p", lambda: fw.request.method, methods=["post"])
    return app


@scenario("provide_automatic_options False: OPTIONS is 405",
          req("/r", "OPTIONS"), req("/v", "OPTIONS"))
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/r", "r", lambda: "r", provide_automatic_options=False)

    def v() -> str:
        return "v"

    v.provide_automatic_options = False  # type: ignore[attr-defined]
    app.add_url_rule("/v", "v", v)
    return app


@scenario("explicit OPTIONS handler and a view's own methods attribute",
          req("/o", "OPTIONS"), req("/m", "PUT"), "/m", req("/m", "OPTIONS"))
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/o", "o", lambda: "custom options", methods=["GET", "OPTIONS"])

    def m() -> str:
        return fw.request.method

    m.methods = ["PUT"]  # type: ignore[attr-defined]
    app.add_url_rule("/m", "m", m)
    return app


@scenario("one rule, two views split by method", "/item", req("/item", "POST"), req("/item", "DELETE"))
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)

    @app.get("/item")
    def read() -> str:
        return "read"

    @app.post("/item")
    def create() -> tuple[str, int]:
        return "created", 201

    return app


@scenario("route shortcuts get/post/put/patch/delete",
          "/x", req("/x", "POST"), req("/x", "PUT"), req("/x", "PATCH"), req("/x", "DELETE"))
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    for method in ("get", "post", "put", "patch", "delete"):
        getattr(app, method)("/x", endpoint=f"x_{method}")(lambda: fw.request.endpoint)
    return app


# -- defaults and redirect_to -------------------------------------------------------------------


@scenario("defaults: the short URL uses them, the long URL with the default value redirects",
          "/page/", "/page/2", "/page/1", "/users/", "/users/list")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    view = _echo_view_args(fw)
    app.add_url_rule("/page/", "page", view, defaults={"n": 1})
    app.add_url_rule("/page/<int:n>", "page", view)
    app.add_url_rule("/users/", "users", view, defaults={"kind": "all", "flag": True})
    return app


@scenario("redirect_to a string, with converters", "/old", "/old/7", req("/old/7", "HEAD"))
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/new", "new", lambda: "new")
    app.add_url_rule("/new/<int:ident>", "new_id", _echo_view_args(fw))
    app.add_url_rule("/old", "old", redirect_to="/new")
    app.add_url_rule("/old/<int:ident>", "old_id", redirect_to="/new/<ident>")
    return app


@scenario("redirect_to a callable receiving the adapter and the values", "/go/21", "/go/5?x=1")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/doubled/<int:n>", "doubled", _echo_view_args(fw))

    def target(adapter: Any, n: int) -> str:
        return adapter.build("doubled", {"n": n * 2})

    app.add_url_rule("/go/<int:n>", "go", redirect_to=target)
    return app


# -- endpoints ----------------------------------------------------------------------------------


@scenario("endpoint names: from the function, explicit, and the static endpoint",
          "/f", "/e", "/names")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)

    @app.route("/f")
    def some_function() -> str:
        return fw.request.endpoint

    @app.route("/e", endpoint="explicit")
    def other() -> str:
        return fw.request.endpoint + " " + fw.request.url_rule.rule

    @app.route("/names")
    def names() -> str:
        return ",".join(sorted(app.view_functions))

    return app


@scenario("duplicate endpoint with another function is an error at registration", "/a")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/a", "same", lambda: "a")
    app.add_url_rule("/b", "same", lambda: "b")
    return app


@scenario("the same function registered twice under one endpoint is fine", "/a", "/b")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)

    def view() -> str:
        return fw.request.path

    app.add_url_rule("/a", "same", view)
    app.add_url_rule("/b", "same", view)
    return app


# -- url_for ------------------------------------------------------------------------------------


def _url_for_app(fw: ModuleType, root: Path, **config: Any) -> Any:
    app = make_app(fw, root, **config)
    app.add_url_rule("/", "index", lambda: "index")
    app.add_url_rule("/user/<name>", "user", lambda name: name)
    app.add_url_rule("/post/<int:year>/<slug>", "post", lambda year, slug: slug)
    app.add_url_rule("/only-post", "only_post", lambda: "p", methods=["POST"])
    app.add_url_rule("/both", "both_get", lambda: "g", methods=["GET"])
    app.add_url_rule("/both", "both_post", lambda: "p", methods=["POST"])
    return app


def _show(*calls: Any) -> Any:
    """A view that evaluates each ``url_for`` call and shows its result or error type."""

    def view() -> str:
        lines = []
        for call in calls:
            try:
                lines.append(call())
            except Exception as exc:
                lines.append(f"{type(exc).__name__}")
        return "\n".join(lines)

    return view


@scenario("url_for in a request: relative, values, unknown values to the query string",
          "/show", req("/show", base_url="http://example.org:8080/app/"))
def _(fw: ModuleType, root: Path) -> Any:
    app = _url_for_app(fw, root)
    u = fw.url_for
    app.add_url_rule("/show", "show", _show(
        lambda: u("index"),
        lambda: u("user", name="ann lee"),
        lambda: u("user", name="Zoë/x"),
        lambda: u("post", year=2024, slug="hi"),
        lambda: u("index", q="a b", page=2, empty=""),
        lambda: u("index", tags=["x", "y"]),
        lambda: u("index", skipped=None),
        lambda: u("user", name="a", extra="1"),
        lambda: u("static", filename="css/site.css"),
    ))
    return app


@scenario("url_for with _external, _anchor, _scheme, _method",
          "/show", req("/show", base_url="https://example.org/"))
def _(fw: ModuleType, root: Path) -> Any:
    app = _url_for_app(fw, root)
    u = fw.url_for
    app.add_url_rule("/show", "show", _show(
        lambda: u("user", name="x", _external=True),
        lambda: u("index", _anchor="top"),
        lambda: u("index", _anchor="a b#c"),
        lambda: u("index", _external=True, _scheme="https"),
        lambda: u("index", _scheme="https"),
        lambda: u("only_post", _method="POST"),
        lambda: u("only_post", _method="GET"),
        lambda: u("user", name="x", _anchor="s", _external=True, q=1),
    ))
    return app


@scenario("url_for errors: unknown endpoint and missing value are BuildError", "/show")
def _(fw: ModuleType, root: Path) -> Any:
    app = _url_for_app(fw, root)
    u = fw.url_for
    app.add_url_rule("/show", "show", _show(
        lambda: u("nope"),
        lambda: u("user"),
        lambda: u("post", year="x", slug="s"),
    ))
    return app


@scenario("url_for BuildError escapes under TESTING", "/bad", req("/bad", base_url="http://h/"))
def _(fw: ModuleType, root: Path) -> Any:
    app = _url_for_app(fw, root, TESTING=True)
    app.add_url_rule("/bad", "bad", lambda: fw.url_for("missing"))
    return app


@scenario("url_for BuildError is a 500 without TESTING", "/bad")
def _(fw: ModuleType, root: Path) -> Any:
    app = _url_for_app(fw, root)
    app.add_url_rule("/bad", "bad", lambda: fw.url_for("missing"))
    return app


def _app_context_urls(fw: ModuleType, app: Any) -> list[str]:
    results = []
    with app.app_context():
        for args, kwargs in [
            (("index",), {}),
            (("user",), {"name": "bo"}),
            (("user",), {"name": "bo", "_external": False}),
            (("index",), {"_scheme": "http", "_external": True}),
            (("post",), {"year": 1, "slug": "s", "_anchor": "x"}),
        ]:
            try:
                results.append(fw.url_for(*args, **kwargs))
            except Exception as exc:
                results.append(type(exc).__name__)
    return results


@scenario("url_for in an app context with SERVER_NAME, APPLICATION_ROOT, PREFERRED_URL_SCHEME",
          probe=_app_context_urls)
def _(fw: ModuleType, root: Path) -> Any:
    return _url_for_app(
        fw, root, SERVER_NAME="example.com:8443", APPLICATION_ROOT="/site", PREFERRED_URL_SCHEME="https"
    )


def _no_server_name(fw: ModuleType, app: Any) -> str:
    with app.app_context():
        try:
            return fw.url_for("index")
        except Exception as exc:
            return type(exc).__name__


@scenario("url_for in an app context without SERVER_NAME is a RuntimeError", probe=_no_server_name)
def _(fw: ModuleType, root: Path) -> Any:
    return _url_for_app(fw, root)


def _outside_context(fw: ModuleType, app: Any) -> str:
    return fw.url_for("index")


@scenario("url_for outside any context raises", probe=_outside_context)
def _(fw: ModuleType, root: Path) -> Any:
    return _url_for_app(fw, root)


@scenario("SERVER_NAME set: url_for uses it, other hosts are still served (Flask 3.1)", "/",
          req("/", base_url="http://example.com/"), req("/", base_url="http://other.com/"))
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root, SERVER_NAME="example.com")
    app.add_url_rule("/", "index", lambda: fw.url_for("index", _external=True))
    return app


def _request_context_url(fw: ModuleType, app: Any) -> list[str]:
    with app.test_request_context("/user/ann?x=1", base_url="http://example.net/root/"):
        return [
            fw.url_for("user", name="z"),
            fw.url_for("user", name="z", _external=True),
            fw.request.endpoint,
            repr(fw.request.view_args),
        ]


@scenario("url_for and matching in test_request_context with a base URL", probe=_request_context_url)
def _(fw: ModuleType, root: Path) -> Any:
    return _url_for_app(fw, root)
