"""Errors (issue 2): errorhandler by code and class, abort, default 4xx pages, 500 and propagation."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

from werkzeug.exceptions import BadRequest, Forbidden, HTTPException, InternalServerError, NotFound

from .kit import make_app, req, scenario


class AppError(Exception):
    """A user exception with a subclass, to test handler resolution along the MRO."""


class SpecificError(AppError):
    pass


class Teapot(HTTPException):
    """A custom HTTP exception with an unregistered code."""

    code = 418
    description = "short and stout"


def _raising_app(fw: ModuleType, root: Path, **config: Any) -> Any:
    """Routes that fail in different ways; handlers are added by each scenario."""
    app = make_app(fw, root, **config)

    def boom() -> str:
        raise ZeroDivisionError("boom")

    def key() -> str:
        raise KeyError("k")

    def specific() -> str:
        raise SpecificError("specific")

    def base() -> str:
        raise AppError("base")

    app.add_url_rule("/ok", "ok", lambda: "ok")
    app.add_url_rule("/boom", "boom", boom)
    app.add_url_rule("/key", "key", key)
    app.add_url_rule("/specific", "specific", specific)
    app.add_url_rule("/base", "base", base)
    app.add_url_rule("/abort/<int:code>", "abort", lambda code: fw.abort(code))
    app.add_url_rule("/post-only", "post_only", lambda: "p", methods=["POST"])
    return app


@scenario("default error pages: 404, 405, 400 via abort, 403, 410, 418, 500 via abort",
          "/nope", "/post-only", "/abort/400", "/abort/403", "/abort/410", "/abort/418", "/abort/500",
          "/abort/503", "/abort/401", headers=("WWW-Authenticate", "Retry-After"))
def _(fw: ModuleType, root: Path) -> Any:
    return _raising_app(fw, root)


@scenario("abort with a description, with a Response, and with an unknown code",
          "/desc", "/response", "/unknown", "/exc")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/desc", "desc", lambda: fw.abort(403, description="You shall <not> pass"))
    app.add_url_rule("/response", "response", lambda: fw.abort(fw.Response("teapot body", status=418)))
    app.add_url_rule("/unknown", "unknown", lambda: fw.abort(499))
    app.add_url_rule("/exc", "exc", lambda: fw.abort(400, "plain text reason"))
    return app


@scenario("errorhandler by code: 404 and 405 custom pages, tuple and Response returns",
          "/nope", "/post-only", "/abort/404", headers=("X-Handled",))
def _(fw: ModuleType, root: Path) -> Any:
    app = _raising_app(fw, root)

    @app.errorhandler(404)
    def not_found(e: Exception) -> Any:
        return f"custom 404: {type(e).__name__} {e.code}", 404, {"X-Handled": "404"}

    @app.errorhandler(405)
    def not_allowed(e: Any) -> Any:
        return fw.Response(f"custom 405 valid={sorted(e.valid_methods)}", status=405, headers={"X-Handled": "405"})

    return app


@scenario("errorhandler by exception class: NotFound class, custom HTTPException subclass",
          "/nope", "/teapot", "/forbidden")
def _(fw: ModuleType, root: Path) -> Any:
    app = _raising_app(fw, root)
    app.add_url_rule("/teapot", "teapot", lambda: (_ for _ in ()).throw(Teapot()))
    app.add_url_rule("/forbidden", "forbidden", lambda: fw.abort(403))
    app.register_error_handler(NotFound, lambda e: ("handled NotFound", 404))
    app.register_error_handler(Teapot, lambda e: (f"teapot: {e.description}", e.code))
    return app


@scenario("handler resolution: the most specific class along the MRO wins",
          "/specific", "/base", "/key", "/boom")
def _(fw: ModuleType, root: Path) -> Any:
    app = _raising_app(fw, root)
    app.register_error_handler(AppError, lambda e: (f"AppError handler: {type(e).__name__}", 409))
    app.register_error_handler(SpecificError, lambda e: (f"SpecificError handler: {e}", 410))
    app.register_error_handler(LookupError, lambda e: (f"LookupError handler: {type(e).__name__}", 400))
    return app


@scenario("errorhandler(Exception) also catches HTTP exceptions; a code handler beats it",
          "/nope", "/boom", "/abort/403", "/ok")
def _(fw: ModuleType, root: Path) -> Any:
    app = _raising_app(fw, root)
    app.register_error_handler(Exception, lambda e: (f"generic: {type(e).__name__}", 599))
    app.register_error_handler(403, lambda e: ("forbidden handler", 403))
    return app


@scenario("errorhandler(HTTPException) turns every HTTP error into JSON", "/nope", "/post-only", "/abort/400", "/boom")
def _(fw: ModuleType, root: Path) -> Any:
    app = _raising_app(fw, root)

    @app.errorhandler(HTTPException)
    def as_json(e: HTTPException) -> Any:
        response = e.get_response()
        response.data = fw.json.dumps({"code": e.code, "name": e.name, "description": e.description})
        response.content_type = "application/json"
        return response

    return app


@scenario("500 handler receives InternalServerError with original_exception",
          "/boom", "/abort/500", "/key")
def _(fw: ModuleType, root: Path) -> Any:
    app = _raising_app(fw, root)

    @app.errorhandler(500)
    def server_error(e: InternalServerError) -> Any:
        original = e.original_exception
        return f"500 handler: {type(e).__name__} original={type(original).__name__}:{original}", 500

    return app


@scenario("register_error_handler for 418 and for a class; abort(418) is handled", "/abort/418", "/bad")
def _(fw: ModuleType, root: Path) -> Any:
    app = _raising_app(fw, root)
    app.add_url_rule("/bad", "bad", lambda: (_ for _ in ()).throw(BadRequest("explicit")))
    app.register_error_handler(418, lambda e: ("I'm a handler", 418))
    app.register_error_handler(BadRequest, lambda e: (f"bad: {e.description}", 400))
    return app


@scenario("registering a handler for an unknown code or a non-exception is an error", "/ok")
def _(fw: ModuleType, root: Path) -> Any:
    app = _raising_app(fw, root)
    app.register_error_handler(999, lambda e: "never")
    return app


@scenario("an error handler that raises gives a 500; one that returns None gives a 500",
          "/abort/404", "/abort/403")
def _(fw: ModuleType, root: Path) -> Any:
    app = _raising_app(fw, root)
    app.register_error_handler(404, lambda e: 1 / 0)
    app.register_error_handler(403, lambda e: None)
    return app


@scenario("unhandled exception: 500 page with PROPAGATE_EXCEPTIONS False even in TESTING",
          "/boom", "/ok")
def _(fw: ModuleType, root: Path) -> Any:
    return _raising_app(fw, root, TESTING=True, PROPAGATE_EXCEPTIONS=False)


@scenario("unhandled exception: 500 page without TESTING", "/boom", "/key")
def _(fw: ModuleType, root: Path) -> Any:
    return _raising_app(fw, root)


@scenario("unhandled exception propagates under TESTING", "/boom", "/specific", "/ok")
def _(fw: ModuleType, root: Path) -> Any:
    return _raising_app(fw, root, TESTING=True)


@scenario("unhandled exception propagates with PROPAGATE_EXCEPTIONS True", "/boom")
def _(fw: ModuleType, root: Path) -> Any:
    return _raising_app(fw, root, PROPAGATE_EXCEPTIONS=True)


@scenario("HTTP exceptions are still pages under TESTING", "/abort/404", "/nope", "/post-only")
def _(fw: ModuleType, root: Path) -> Any:
    return _raising_app(fw, root, TESTING=True)


@scenario("TRAP_HTTP_EXCEPTIONS: an HTTP error propagates under TESTING", "/abort/404", "/nope")
def _(fw: ModuleType, root: Path) -> Any:
    return _raising_app(fw, root, TESTING=True, TRAP_HTTP_EXCEPTIONS=True)


@scenario("TRAP_HTTP_EXCEPTIONS without TESTING: an HTTP error becomes a 500", "/abort/404")
def _(fw: ModuleType, root: Path) -> Any:
    return _raising_app(fw, root, TRAP_HTTP_EXCEPTIONS=True)


@scenario("TRAP_BAD_REQUEST_ERRORS: a missing form key propagates", req("/form", "POST"), req("/abort400"))
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root, TESTING=True, TRAP_BAD_REQUEST_ERRORS=True)
    app.add_url_rule("/form", "form", lambda: fw.request.form["x"], methods=["POST"])
    app.add_url_rule("/abort400", "abort400", lambda: fw.abort(400))
    return app


@scenario("an HTTPException returned (not raised) from a view is its response", "/returned")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/returned", "returned", lambda: Forbidden("returned, not raised"))
    return app


@scenario("a 404 handler also serves routing 404s and a 405 handler routing 405s", "/missing", req("/only", "PUT"))
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/only", "only", lambda: "x")
    app.register_error_handler(404, lambda e: (f"routing 404 {fw.request.path}", 404))
    app.register_error_handler(405, lambda e: (f"routing 405 {fw.request.method}", 405))
    return app


@scenario("the 500 handler runs for errors under PROPAGATE_EXCEPTIONS False and its response is used",
          "/boom")
def _(fw: ModuleType, root: Path) -> Any:
    app = _raising_app(fw, root)
    app.register_error_handler(InternalServerError, lambda e: fw.jsonify(error="internal"))
    return app
