"""The scenario apps, once per framework.

wsgi_stack has Flask's public API, so one function writes the Flask-style app and is given
either module: both frameworks then run literally the same application code, and any
difference in the figures is the framework's. Raw Werkzeug is what an application would
write with no framework at all: ``Request``/``Response``, a routing ``Map``, a Jinja2
environment and a hand-made HMAC-signed cookie for the session.

``build_app(framework, scenarios)`` returns one WSGI app serving the given scenarios; the
in-process benchmark builds one app per scenario, the gunicorn benchmarks one per framework.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

from bench.scenarios import PAGE_ITEMS, PAGE_TITLE, SECRET_KEY, SESSION_COOKIE, WSGIApp, select

FRAMEWORKS = ("wsgi_stack", "flask", "werkzeug")
#: Earlier commits of wsgi_stack added for one run (see :mod:`bench.revision`): name -> module.
EXTRA_FRAMEWORKS: dict[str, str] = {}
TEMPLATES = Path(__file__).resolve().parent / "templates"

# S2's table: 19 routes around the one that is requested, shaped like a small site's.
FILLER_RULES = (
    "/home",
    "/about",
    "/login",
    "/logout",
    "/register",
    "/public",
    "/search",
    "/settings",
    "/api/status",
    "/user/<name>",
    "/user/<name>/followers",
    "/user/<name>/following",
    "/user/<name>/follow",
    "/user/<name>/unfollow",
    "/user/<name>/post/<int:id>/like",
    "/tag/<tag>",
    "/post/<int:id>",
    "/pages/<path:page>",
    "/archive/<int:year>/<int:month>",
)
POST_RULE = "/user/<name>/post/<int:id>"


def hello_text() -> str:
    return "Hello, World!"


def post_text(name: str, id: int) -> str:
    return f"Post {id} by {name}"


def count_text(count: int) -> str:
    return f"count={count}"


def framework_module(framework: str) -> ModuleType:
    """Import the framework's package (raises ``ImportError`` if it is not installed)."""
    if framework in EXTRA_FRAMEWORKS:
        return importlib.import_module(EXTRA_FRAMEWORKS[framework])
    if framework not in FRAMEWORKS:
        raise ValueError(f"unknown framework {framework!r}; known: {', '.join(FRAMEWORKS)}")
    return importlib.import_module(framework)


def build_app(framework: str, scenarios: str | Iterable[str] | None = None) -> WSGIApp:
    """A WSGI app of ``framework`` serving ``scenarios`` (all five when ``None``)."""
    names = [s.name for s in select(scenarios)]
    module = framework_module(framework)
    if framework == "werkzeug":
        return build_werkzeug_app(names)
    return build_flask_style_app(module, names)


# -- Flask and wsgi_stack ---------------------------------------------------------------


def build_flask_style_app(fw: ModuleType, names: list[str]) -> WSGIApp:
    """The scenarios written against Flask's public API; ``fw`` is ``flask`` or ``wsgi_stack``."""
    app = fw.Flask(__name__, template_folder=str(TEMPLATES))
    app.secret_key = SECRET_KEY

    if "S1" in names:

        @app.route("/")
        def hello() -> str:
            return hello_text()

    if "S2" in names:

        def filler(**values: Any) -> str:
            return "filler"

        for number, rule in enumerate(FILLER_RULES):
            app.add_url_rule(rule, f"filler_{number}", filler)

        @app.route(POST_RULE)
        def show_post(name: str, id: int) -> str:
            return post_text(name, id)

    if "S3" in names:

        @app.route("/page")
        def page() -> str:
            return fw.render_template("page.html", title=PAGE_TITLE, items=PAGE_ITEMS)

    if "S4" in names:

        @app.route("/count")
        def count() -> str:
            value = fw.session.get("count", 0) + 1
            fw.session["count"] = value
            return count_text(value)

    if "S5" in names:

        @app.post("/api/echo")
        def echo() -> Any:
            return fw.jsonify(fw.request.get_json())

    return app


# -- raw Werkzeug -------------------------------------------------------------------------


class SignedCookie:
    """A hand-made signed cookie: ``base64(json).base64(hmac_sha256(key, base64(json)))``.

    The key is derived once from the secret, so signing or verifying costs one HMAC. This is
    what an application without a framework would reasonably write; it is not compatible
    with Flask's cookie, and needs not be.
    """

    def __init__(self, secret: str, salt: str = "bench-session") -> None:
        self._key = hashlib.sha256(f"{salt}:{secret}".encode()).digest()

    def _mac(self, payload: bytes) -> bytes:
        return base64.urlsafe_b64encode(
            hmac.new(self._key, payload, hashlib.sha256).digest()
        ).rstrip(b"=")

    def dumps(self, data: dict[str, Any]) -> str:
        payload = base64.urlsafe_b64encode(
            json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
        ).rstrip(b"=")
        return (payload + b"." + self._mac(payload)).decode("ascii")

    def loads(self, value: str | None) -> dict[str, Any]:
        """The data in ``value``; an empty dict if it is missing, malformed or forged."""
        if not value:
            return {}
        payload, _, mac = value.encode("ascii", "replace").rpartition(b".")
        if not payload or not hmac.compare_digest(mac, self._mac(payload)):
            return {}
        try:
            data = json.loads(base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4)))
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}


def build_werkzeug_app(names: list[str]) -> WSGIApp:
    """The scenarios with Werkzeug and Jinja2 alone."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from werkzeug.exceptions import HTTPException
    from werkzeug.routing import Map, Rule
    from werkzeug.wrappers import Request, Response

    Handler = Callable[..., Response]
    rules: list[Rule] = []
    handlers: dict[str, Handler] = {}

    def route(
        rule: str, endpoint: str, handler: Handler, methods: Iterable[str] = ("GET",)
    ) -> None:
        rules.append(Rule(rule, endpoint=endpoint, methods=list(methods)))
        handlers[endpoint] = handler

    # Flask answers text with text/html; so does every handler here, so bodies *and*
    # content types can be compared across frameworks.
    def text(body: str) -> Response:
        return Response(body, mimetype="text/html")

    if "S1" in names:
        route("/", "hello", lambda request: text(hello_text()))

    if "S2" in names:
        for number, rule in enumerate(FILLER_RULES):
            route(rule, f"filler_{number}", lambda request, **values: text("filler"))
        route(POST_RULE, "show_post", lambda request, name, id: text(post_text(name, id)))

    if "S3" in names:
        # Flask's choices: autoescape by extension, no per-render mtime check outside debug.
        env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html", "htm", "xml", "xhtml", "svg"]),
            auto_reload=False,
        )

        def page(request: Request) -> Response:
            template = env.get_template("page.html")
            return text(template.render(title=PAGE_TITLE, items=PAGE_ITEMS))

        route("/page", "page", page)

    if "S4" in names:
        signer = SignedCookie(SECRET_KEY)

        def count(request: Request) -> Response:
            data = signer.loads(request.cookies.get(SESSION_COOKIE))
            data["count"] = data.get("count", 0) + 1
            response = text(count_text(data["count"]))
            response.set_cookie(SESSION_COOKIE, signer.dumps(data), httponly=True)
            return response

        route("/count", "count", count)

    if "S5" in names:

        def echo(request: Request) -> Response:
            # get_json raises BadRequest (400) for a body that is not JSON, as Flask does.
            data = request.get_json()
            body = json.dumps(data, separators=(",", ":"), sort_keys=True) + "\n"
            return Response(body, mimetype="application/json")

        route("/api/echo", "echo", echo, methods=("POST",))

    url_map = Map(rules)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        try:
            endpoint, values = url_map.bind_to_environ(environ).match()
            response: Any = handlers[endpoint](request, **values)
        except HTTPException as exc:
            response = exc  # an HTTPException is itself a WSGI app
        return response(environ, start_response)

    return application
