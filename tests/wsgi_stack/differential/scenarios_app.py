"""The application object (issue 2): Config loading, names and folders, contexts and their proxies."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

from .kit import make_app, req, scenario


class BaseSettings:
    DEBUG_LEVEL = 1
    UPPER = "yes"
    lower = "ignored: not upper case"


class Settings(BaseSettings):
    UPPER = "overridden"
    EXTRA = [1, 2]


def _config_probe(fw: ModuleType, app: Any) -> dict[str, Any]:
    config = app.config
    config.from_object(Settings)
    config.from_mapping({"MAPPED": 1, "lower": "skipped"}, KW="kw")
    seen: dict[str, Any] = {
        "type": type(config).__name__,
        "is Config": isinstance(config, fw.Config),
        "from_object": [config.get("DEBUG_LEVEL"), config.get("UPPER"), config.get("EXTRA"), "lower" in config],
        "from_mapping": [config.get("MAPPED"), config.get("KW"), "lower" in config],
        "defaults": {key: repr(config[key]) for key in sorted(config) if key in {
            "DEBUG", "TESTING", "PROPAGATE_EXCEPTIONS", "SECRET_KEY", "PERMANENT_SESSION_LIFETIME",
            "SESSION_COOKIE_NAME", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "SESSION_REFRESH_EACH_REQUEST",
            "MAX_CONTENT_LENGTH", "SEND_FILE_MAX_AGE_DEFAULT", "TRAP_HTTP_EXCEPTIONS", "PREFERRED_URL_SCHEME",
            "APPLICATION_ROOT", "SERVER_NAME", "TEMPLATES_AUTO_RELOAD", "MAX_COOKIE_SIZE",
        }},
    }
    config.from_object(f"{__name__}.Settings")
    seen["from_object by name"] = config["EXTRA"]
    config.update(IMAGE_STORE_PATH="/p", IMAGE_STORE_BASE_URL="u", IMAGE_STORE_TYPE="fs", OTHER=1)
    seen["get_namespace"] = sorted(config.get_namespace("IMAGE_STORE_").items())
    seen["get_namespace kept case"] = sorted(config.get_namespace("IMAGE_STORE_", lowercase=False, trim_namespace=False))
    return seen


@scenario("Config: from_object (class and dotted name), from_mapping, defaults, get_namespace", probe=_config_probe)
def _(fw: ModuleType, root: Path) -> Any:
    return make_app(fw, root)


def _pyfile_probe(fw: ModuleType, app: Any) -> list[Any]:
    config = app.config
    seen: list[Any] = [config.from_pyfile("settings.cfg"), config["FROM_FILE"], config.get("lowercase")]
    seen.append(config.from_pyfile("missing.cfg", silent=True))
    try:
        config.from_pyfile("missing.cfg")
    except OSError as exc:
        seen.append(type(exc).__name__)
    seen.append(config.from_file("settings.json", load=__import__("json").load))
    seen.append(config["JSON_KEY"])
    return seen


@scenario("Config: from_pyfile relative to root_path, silent, missing file; from_file with json.load",
          files={"settings.cfg": "FROM_FILE = 40 + 2\nlowercase = 'skipped'\n", "settings.json": '{"JSON_KEY": [1]}'},
          probe=_pyfile_probe)
def _(fw: ModuleType, root: Path) -> Any:
    return make_app(fw, root)


def _prefixed_env_probe(fw: ModuleType, app: Any) -> dict[str, Any]:
    values = {
        "DIFFAPP_SECRET_KEY": "from-env", "DIFFAPP_NUMBER": "42", "DIFFAPP_FLAG": "true",
        "DIFFAPP_TEXT": "not json", "DIFFAPP_NESTED__INNER": "1", "OTHER_X": "no",
    }
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        app.config["NESTED"] = {}
        app.config.from_prefixed_env("DIFFAPP")
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return {key: app.config.get(key) for key in ("SECRET_KEY", "NUMBER", "FLAG", "TEXT", "NESTED", "X")}


@scenario("Config: from_prefixed_env parses JSON values and nested keys", probe=_prefixed_env_probe)
def _(fw: ModuleType, root: Path) -> Any:
    return make_app(fw, root)


def _names_probe(fw: ModuleType, app: Any) -> dict[str, Any]:
    other = fw.Flask(__name__)
    return {
        "name": app.name,
        "import_name": app.import_name,
        "root_path is absolute": os.path.isabs(app.root_path),
        "static_folder": os.path.relpath(app.static_folder, app.root_path) if app.static_folder else None,
        "static_url_path": app.static_url_path,
        "template_folder": app.template_folder,
        "has_static_folder": app.has_static_folder,
        "other root is this folder": other.root_path == str(Path(__file__).parent),
        "debug": app.debug, "testing": app.testing, "secret_key": app.secret_key,
        "url_map rules": sorted(rule.rule for rule in app.url_map.iter_rules()),
        # The class is Flask in one and App (exported as Flask) in the other: compare the rest.
        "repr": repr(app).replace(type(app).__name__, "<class name>"),
    }


@scenario("the app object: name, root_path found without importing, folders, flags, url_map", probe=_names_probe)
def _(fw: ModuleType, root: Path) -> Any:
    return make_app(fw, root)


def _context_probe(fw: ModuleType, app: Any) -> list[Any]:
    seen: list[Any] = []
    with app.app_context():
        fw.g.outer = 1
        with app.app_context():
            seen.append(("nested app context g", "outer" in fw.g))
        seen.append(("after nested", fw.g.outer, fw.current_app.name))
    with app.test_request_context("/x"):
        with app.test_request_context("/y"):
            seen.append(("inner path", fw.request.path))
        seen.append(("outer path again", fw.request.path))
    seen.append(("outside", fw.has_request_context(), fw.has_app_context()))
    ctx = app.test_request_context("/pushed")
    ctx.push()
    try:
        seen.append(("pushed", fw.request.path, fw.has_request_context()))
    finally:
        ctx.pop()
    seen.append(("popped", fw.has_request_context()))
    return seen


@scenario("contexts nest and pop in the right order; g belongs to the app context", probe=_context_probe)
def _(fw: ModuleType, root: Path) -> Any:
    return make_app(fw, root)


@scenario("copy_current_request_context carries the request into a thread", "/thread?who=ann")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)

    def view() -> str:
        results: list[str] = []

        @fw.copy_current_request_context
        def work() -> None:
            results.append(f"{fw.request.path} {fw.request.args['who']} {fw.current_app.name}")

        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
        return results[0]

    app.add_url_rule("/thread", "thread", view)
    return app


@scenario("current_app and g inside a view; g is fresh for every request", "/a", "/a")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root, MARK="m")

    def view() -> str:
        before = "count" in fw.g
        fw.g.count = 1
        return f"{fw.current_app.config['MARK']} {before} {fw.current_app.name} {fw.current_app is app}"

    app.add_url_rule("/a", "a", view)
    return app


@scenario("the test client: query_string, json, data, headers, environ_base and follow_redirects",
          req("/echo", "PUT", query_string={"q": ["1", "2"]}, json={"j": 1}, headers={"X-Test": "t"}),
          req("/echo", "PATCH", data=b"raw", content_type="application/octet-stream",
              environ_base={"REMOTE_ADDR": "9.9.9.9"}),
          req("/hop", follow_redirects=True))
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)

    def echo() -> Any:
        r = fw.request
        return {"method": r.method, "q": r.args.getlist("q"), "json": r.get_json(silent=True),
                "data": r.get_data(as_text=True), "x": r.headers.get("X-Test"), "addr": r.remote_addr}

    app.add_url_rule("/echo", "echo", echo, methods=["PUT", "PATCH"])
    app.add_url_rule("/hop", "hop", lambda: fw.redirect(fw.url_for("landing")))
    app.add_url_rule("/landing", "landing", lambda: "landed")
    return app
