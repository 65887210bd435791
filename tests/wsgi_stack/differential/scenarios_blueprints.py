"""Blueprints (issue 12): dispatch order, nested prefixes and subdomains, error handler lookup.

The hook scenarios log every call in ``app.config["HOOK_LOG"]`` and the probe returns the log,
so the exact order in which app and blueprint functions run is compared; the routing scenarios
probe the URL map and ``url_for`` as well as requesting each URL.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

from .kit import make_app, req, scenario


def _log(fw: ModuleType, app: Any) -> list[str]:
    return list(app.config["HOOK_LOG"])


def _logging_hooks(fw: ModuleType, owner: Any, label: str, log: list[str]) -> None:
    """Every scoped hook kind on ``owner`` (an app or a blueprint), each logging ``label``."""

    @owner.url_value_preprocessor
    def url_values(endpoint: str | None, values: dict[str, Any] | None) -> None:
        log.append(f"url_value_preprocessor {label} ({endpoint})")

    @owner.before_request
    def before() -> Any:
        log.append(f"before_request {label} {fw.request.blueprints}")
        if fw.request.args.get("stop") == label:
            return f"stopped by {label}", 202
        return None

    @owner.after_request
    def after(response: Any) -> Any:
        log.append(f"after_request {label}")
        response.headers.add("X-After", label)
        return response

    @owner.teardown_request
    def teardown(exc: BaseException | None) -> None:
        log.append(f"teardown_request {label} ({type(exc).__name__ if exc else None})")

    @owner.context_processor
    def processor() -> dict[str, Any]:
        log.append(f"context_processor {label}")
        return {"who": label, label: True}

    @owner.url_defaults
    def defaults(endpoint: str, values: dict[str, Any]) -> None:
        log.append(f"url_defaults {label} ({endpoint})")


def _nested_hook_app(fw: ModuleType, root: Path) -> Any:
    """The app, a blueprint ``outer`` at /outer and ``inner`` nested in it at /outer/inner, each
    with every hook kind; an app_* hook from ``inner``; views that render, abort and raise."""
    app = make_app(fw, root)
    log: list[str] = []
    app.config["HOOK_LOG"] = log
    outer = fw.Blueprint("outer", __name__, url_prefix="/outer")
    inner = fw.Blueprint("inner", __name__)
    _logging_hooks(fw, app, "app", log)
    _logging_hooks(fw, outer, "outer", log)
    _logging_hooks(fw, inner, "inner", log)

    @inner.before_app_request
    def before_any() -> None:
        log.append("before_app_request from inner")

    template = "{{ who }} {{ app }} {{ outer|default(False) }} {{ inner|default(False) }} {{ url_for('.page') }}"

    @inner.route("/page")
    def page() -> str:
        log.append(f"view {fw.request.blueprint}")
        return fw.render_template_string(template)

    @outer.route("/page")
    def page_outer() -> str:
        log.append(f"view {fw.request.blueprint}")
        return fw.render_template_string(template.replace(".page", ".page_outer"))

    @inner.route("/missing")
    def missing() -> str:
        fw.abort(404)

    @app.route("/page")
    def app_page() -> str:
        log.append(f"view {fw.request.blueprint}")
        return fw.render_template_string("{{ who }} {{ url_for('outer.inner.page') }}")

    outer.register_blueprint(inner, url_prefix="/inner")
    app.register_blueprint(outer)
    return app


@scenario("hook order for a view of a nested blueprint: app, outer, inner in, inner, outer, app out",
          "/outer/inner/page", probe=_log, headers=("X-After",))
def _(fw: ModuleType, root: Path) -> Any:
    return _nested_hook_app(fw, root)


@scenario("hook order for a view of the outer blueprint and of the app", "/outer/page", "/page",
          probe=_log, headers=("X-After",))
def _(fw: ModuleType, root: Path) -> Any:
    return _nested_hook_app(fw, root)


@scenario("a blueprint's before_request short-circuits; the hooks after it are skipped",
          "/outer/inner/page?stop=outer", probe=_log, headers=("X-After",))
def _(fw: ModuleType, root: Path) -> Any:
    return _nested_hook_app(fw, root)


@scenario("hook order on an abort in a nested blueprint and on a URL no rule matches",
          "/outer/inner/missing", "/outer/nothing", probe=_log, headers=("X-After",))
def _(fw: ModuleType, root: Path) -> Any:
    return _nested_hook_app(fw, root)


# -- nested prefixes, subdomains, names --------------------------------------------------------


def _url_map(fw: ModuleType, app: Any) -> dict[str, Any]:
    rules = sorted(
        (rule.rule, rule.endpoint, rule.subdomain or "", sorted(rule.defaults or {}))
        for rule in app.url_map.iter_rules()
    )
    with app.test_request_context():
        urls = {
            endpoint: fw.url_for(endpoint, **args)
            for endpoint, args in [
                ("parent.index", {}),
                ("parent.child.index", {}),
                ("parent.child.grandchild.index", {}),
                ("again.index", {}),
                ("parent.child.show", {"page": 3}),
                ("parent.child.show", {"page": 3, "extra": "x"}),
            ]
        }
    return {"rules": rules, "blueprints": list(app.blueprints), "urls": urls}


def _nested_prefix_app(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root, SERVER_NAME="example.test")
    parent = fw.Blueprint("parent", __name__, url_prefix="/parent/")
    child = fw.Blueprint("child", __name__, url_prefix="/child", url_defaults={"page": 1})
    grandchild = fw.Blueprint("grandchild", __name__)
    again = fw.Blueprint("again", __name__, url_prefix="/again")

    for bp in (parent, child, grandchild, again):
        bp.add_url_rule("/", "index", lambda bp=bp: f"{bp.name} {fw.request.blueprint} {fw.url_for('.index')}")

    @child.route("/show/<int:page>")
    def show(page: int) -> str:
        return f"page {page} {fw.request.blueprints}"

    child.register_blueprint(grandchild, url_prefix="/grand/")
    parent.register_blueprint(child)
    app.register_blueprint(parent)
    # The same blueprint object again, under another name and prefix.
    app.register_blueprint(again)
    app.register_blueprint(again, name="again2", url_prefix="/two")
    return app


@scenario("nested url_prefix joined with one slash; url_defaults; the same blueprint under two names",
          "/parent/", "/parent/child/", "/parent/child/grand/", "/parent/child/show/7",
          "/again/", "/two/", "/parent//child/",
          req("/parent/child/", base_url="http://example.test"), probe=_url_map)
def _(fw: ModuleType, root: Path) -> Any:
    return _nested_prefix_app(fw, root)


@scenario("blueprint subdomains: own, given at registration, and nested (joined with a dot)",
          req("/", base_url="http://api.example.test"),
          req("/", base_url="http://v1.api.example.test"),
          req("/", base_url="http://example.test"),
          req("/", base_url="http://other.example.test"),
          probe=lambda fw, app: sorted((r.rule, r.endpoint, r.subdomain) for r in app.url_map.iter_rules()))
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root, SERVER_NAME="example.test")
    app.subdomain_matching = True
    api = fw.Blueprint("api", __name__, subdomain="api")
    v1 = fw.Blueprint("v1", __name__, subdomain="v1")
    site = fw.Blueprint("site", __name__)
    for bp in (api, v1, site):
        bp.add_url_rule("/", "index", lambda bp=bp: f"{bp.name} {fw.url_for('.index', _external=True)}")
    api.register_blueprint(v1)
    app.register_blueprint(api)
    app.register_blueprint(site, subdomain="")
    return app


def _registration_errors(fw: ModuleType, app: Any) -> list[Any]:
    """What each misuse raises: the exception type (messages are each framework's)."""
    results: list[Any] = []

    def attempt(label: str, action: Any) -> None:
        try:
            action()
        except Exception as exc:
            results.append((label, type(exc).__name__))
        else:
            results.append((label, "no error"))

    attempt("empty name", lambda: fw.Blueprint("", __name__))
    attempt("dotted name", lambda: fw.Blueprint("a.b", __name__))
    bp = fw.Blueprint("bp", __name__)
    attempt("dotted endpoint", lambda: bp.add_url_rule("/x", "x.y", lambda: ""))
    attempt("self registration", lambda: bp.register_blueprint(bp))
    app2 = fw.Flask("second")
    app2.register_blueprint(bp)
    attempt("same name twice", lambda: app2.register_blueprint(bp))
    attempt("other blueprint, same name", lambda: app2.register_blueprint(fw.Blueprint("bp", __name__)))
    attempt("route after registration", lambda: bp.route("/late")(lambda: ""))
    attempt("second name is fine", lambda: app2.register_blueprint(bp, name="bp2"))
    results.append(("app blueprints", list(app2.blueprints)))
    return results


@scenario("Flask's errors: empty or dotted names, self and duplicate registration, setup after registration",
          probe=_registration_errors)
def _(fw: ModuleType, root: Path) -> Any:
    return make_app(fw, root)


@scenario("record_once runs at the first registration only; record at each",
          probe=lambda fw, app: app.config["RECORDED"])
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.config["RECORDED"] = []
    bp = fw.Blueprint("bp", __name__)
    bp.record(lambda state: app.config["RECORDED"].append(("record", state.name, state.first_registration)))
    bp.record_once(lambda state: app.config["RECORDED"].append(("once", state.name)))
    app.register_blueprint(bp)
    app.register_blueprint(bp, name="again", url_prefix="/again")
    return app


# -- error handler lookup ----------------------------------------------------------------------


def _error_app(fw: ModuleType, root: Path, **config: Any) -> Any:
    app = make_app(fw, root, **config)
    outer = fw.Blueprint("outer", __name__, url_prefix="/outer")
    inner = fw.Blueprint("inner", __name__, url_prefix="/inner")

    def handler(label: str) -> Any:
        return lambda e: (f"{label} handled {type(e).__name__}", getattr(e, "code", None) or 500)

    app.register_error_handler(404, handler("app 404"))
    app.register_error_handler(KeyError, handler("app KeyError"))
    app.register_error_handler(500, handler("app 500"))
    outer.register_error_handler(LookupError, handler("outer LookupError"))
    outer.register_error_handler(403, handler("outer 403"))
    inner.register_error_handler(404, handler("inner 404"))
    inner.register_error_handler(Exception, handler("inner Exception"))
    inner.app_errorhandler(418)(handler("app-wide 418 from inner"))

    def raiser(kind: str) -> Any:
        def view() -> str:
            if kind == "KeyError":
                raise KeyError("k")
            if kind == "IndexError":
                raise IndexError("i")
            if kind == "ZeroDivisionError":
                raise ZeroDivisionError("z")
            fw.abort(int(kind))
        return view

    for bp in (outer, inner, app):
        for kind in ("KeyError", "IndexError", "ZeroDivisionError", "403", "404", "418", "405"):
            bp.add_url_rule(f"/{kind}", f"raise_{kind}", raiser(kind))
    outer.register_blueprint(inner)
    app.register_blueprint(outer)
    return app


_ERROR_URLS = [
    f"{prefix}/{kind}"
    for prefix in ("", "/outer", "/outer/inner")
    for kind in ("KeyError", "IndexError", "ZeroDivisionError", "403", "404", "418", "405")
] + ["/outer/inner/no-such-page", req("/outer/inner/404", "POST")]


@scenario("error handler lookup: by code before class, inner blueprint before outer before app, closest class",
          *_ERROR_URLS)
def _(fw: ModuleType, root: Path) -> Any:
    return _error_app(fw, root)


@scenario("error handler lookup for unhandled errors becoming 500s (PROPAGATE_EXCEPTIONS False)",
          *_ERROR_URLS[:3], *_ERROR_URLS[7:10])
def _(fw: ModuleType, root: Path) -> Any:
    app = _error_app(fw, root, PROPAGATE_EXCEPTIONS=False)
    app.error_handler_spec["outer.inner"][None].pop(Exception)
    return app


# -- templates and static files ----------------------------------------------------------------


@scenario("blueprint templates come after the app's; blueprint static files at the blueprint's URL",
          "/admin/", "/admin/only", "/admin/static/admin.css", "/admin/static/missing.css", "/static/app.css",
          files={
              "templates/shared.html": "app's shared",
              "admin/templates/shared.html": "admin's shared",
              "admin/templates/admin_only.html": "admin only {{ request.blueprint }}",
              "admin/static/admin.css": "body { color: red }",
              "static/app.css": "body { color: blue }",
          },
          probe=lambda fw, app: sorted(app.jinja_env.list_templates()))
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    admin = fw.Blueprint("admin", __name__, url_prefix="/admin", root_path=str(root / "admin"),
                         template_folder="templates", static_folder="static")
    admin.add_url_rule("/", "index", lambda: fw.render_template("shared.html"))
    admin.add_url_rule("/only", "only", lambda: fw.render_template("admin_only.html"))
    app.register_blueprint(admin)
    return app
