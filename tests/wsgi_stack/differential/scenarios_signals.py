"""Signals and hooks together (issue 14): the exact order of every signal and hook call.

Each app is the hooks scenarios' app (two hooks of each kind, views that succeed, abort, raise, or
raise a handled error) with a receiver connected, for that app only, to each of the ten signals.
Receivers and hooks append to one list; the probe returns it, so the order is compared entry by
entry, with what each signal carried (the response status, the exception's type, the template's
name, the flashed message).
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

from .kit import req, scenario
from .scenarios_hooks import _hook_app

SIGNALS = (
    "appcontext_pushed",
    "request_started",
    "before_render_template",
    "template_rendered",
    "message_flashed",
    "got_request_exception",
    "request_finished",
    "request_tearing_down",
    "appcontext_tearing_down",
    "appcontext_popped",
)


def _name(value: Any) -> str:
    return "None" if value is None else type(value).__name__


def _describe(signal: str, sender_is_app: bool, extra: dict[str, Any]) -> str:
    """One log line for one signal: its name, whether the sender was the app, what it carried."""
    parts = [f"signal {signal}"]
    if not sender_is_app:
        parts.append("(sender is not the app)")
    for key, value in sorted(extra.items()):
        if key == "response":
            parts.append(f"response={value.status_code}")
        elif key in {"exc", "exception"}:
            parts.append(f"{key}={_name(value)}")
        elif key == "template":
            parts.append(f"template={value.name}")
        elif key == "context":
            parts.append(f"context={sorted(k for k in value if k not in {'g', 'request', 'session'})}")
        else:
            parts.append(f"{key}={value!r}")
    return " ".join(parts)


def _signal_app(fw: ModuleType, root: Path, **config: Any) -> Any:
    """The hooks app, plus a receiver for each signal and views that render, stream and flash."""
    config.setdefault("SECRET_KEY", "signals-secret")
    app = _hook_app(fw, root, **config)
    log: list[str] = app.config["HOOK_LOG"]
    # Weakly connected (blinker's default) and kept alive by the app: the receivers go when the
    # app does, and never reference it (a strong cycle through a module-level signal would leak).
    receivers = app.extensions.setdefault("test_receivers", [])
    app_id = id(app)

    for signal_name in SIGNALS:

        def receiver(sender: Any, _signal: str = signal_name, **extra: Any) -> None:
            log.append(_describe(_signal, id(sender) == app_id, extra))

        receivers.append(receiver)
        getattr(fw, signal_name).connect(receiver, app)

    def render() -> str:
        log.append("view renders")
        fw.flash("hello", "info")
        return fw.render_template("page.html", word="signals")

    def stream() -> Any:
        log.append("view streams")
        return fw.Response(fw.stream_template("page.html", word="streamed"))

    app.add_url_rule("/render", "render", render)
    app.add_url_rule("/stream", "stream", stream)
    return app


PAGE = {"templates/page.html": "<p>{{ word }}</p>"}


def _log(fw: ModuleType, app: Any) -> list[str]:
    return list(app.config["HOOK_LOG"])


def _log_after_app_context(fw: ModuleType, app: Any) -> list[str]:
    """The log after one more app context, pushed and popped outside any request."""
    log = app.config["HOOK_LOG"]
    log.append("-- app context --")
    with app.app_context():
        log.append("inside app context")
    return list(log)


@scenario("signals and hooks in order on success", "/ok", probe=_log, files=PAGE, headers=("X-After",))
def _(fw: ModuleType, root: Path) -> Any:
    return _signal_app(fw, root)


@scenario("signals and hooks in order when the view aborts with 404", "/abort", probe=_log, files=PAGE)
def _(fw: ModuleType, root: Path) -> Any:
    return _signal_app(fw, root)


@scenario("signals and hooks in order when the view raises (500 page)", "/boom", probe=_log, files=PAGE,
          headers=("X-After",))
def _(fw: ModuleType, root: Path) -> Any:
    return _signal_app(fw, root)


@scenario("signals and hooks in order when the view raises and the exception propagates (TESTING)",
          "/boom", probe=_log, files=PAGE)
def _(fw: ModuleType, root: Path) -> Any:
    return _signal_app(fw, root, TESTING=True)


@scenario("signals and hooks in order when an error handler handles the exception", "/handled", probe=_log,
          files=PAGE, headers=("X-After",))
def _(fw: ModuleType, root: Path) -> Any:
    return _signal_app(fw, root)


@scenario("signals and hooks in order when before_request short-circuits", "/ok?stop=1", probe=_log,
          files=PAGE)
def _(fw: ModuleType, root: Path) -> Any:
    return _signal_app(fw, root)


@scenario("signals and hooks on a routing 404, a 405 and an automatic OPTIONS",
          "/missing", req("/ok", "POST"), req("/ok", "OPTIONS"), probe=_log, files=PAGE)
def _(fw: ModuleType, root: Path) -> Any:
    return _signal_app(fw, root)


@scenario("template and flash signals: before_render_template, template_rendered, message_flashed",
          "/render", probe=_log, files=PAGE)
def _(fw: ModuleType, root: Path) -> Any:
    return _signal_app(fw, root)


@scenario("a streamed template: template_rendered when the stream is exhausted", "/stream", probe=_log,
          files=PAGE)
def _(fw: ModuleType, root: Path) -> Any:
    return _signal_app(fw, root)


@scenario("before_render_template may change the context", "/render", files=PAGE)
def _(fw: ModuleType, root: Path) -> Any:
    app = _signal_app(fw, root)

    def shout(sender: Any, template: Any, context: dict[str, Any]) -> None:
        context["word"] = context["word"].upper()

    app.extensions["test_receivers"].append(shout)
    fw.before_render_template.connect(shout, app)
    return app


@scenario("an after_request that raises: got_request_exception, then the 500 is finished",
          "/ok", probe=_log, files=PAGE, headers=("X-After",))
def _(fw: ModuleType, root: Path) -> Any:
    app = _signal_app(fw, root)

    @app.after_request
    def fails(response: Any) -> Any:
        app.config["HOOK_LOG"].append("after_request 3 raises")
        raise RuntimeError("after")

    return app


@scenario("a teardown_request that raises, the last to run (TESTING): the error escapes, "
          "request_tearing_down is not sent, the app context still tears down",
          "/ok", probe=_log, files=PAGE)
def _(fw: ModuleType, root: Path) -> Any:
    app = _signal_app(fw, root, TESTING=True)
    # Teardown functions run last-registered first: put the failing one first in the list, so it
    # runs after the others in both frameworks (wsgi_stack would run the rest anyway; Flask stops).
    log = app.config["HOOK_LOG"]

    def fails(exc: BaseException | None) -> None:
        log.append("teardown_request 0 raises")
        raise RuntimeError("teardown")

    app.teardown_request_funcs[None].insert(0, fails)
    return app


@scenario("a teardown_request that raises without propagation", "/ok", probe=_log, files=PAGE,
          xfail="issue 3: a teardown's own error is logged and does not take the response away (so "
                "request_tearing_down is sent); Flask 3.1 lets it escape the WSGI call and skips "
                "request_tearing_down")
def _(fw: ModuleType, root: Path) -> Any:
    app = _signal_app(fw, root)

    def fails(exc: BaseException | None) -> None:
        app.config["HOOK_LOG"].append("teardown_request 0 raises")
        raise RuntimeError("teardown")

    app.teardown_request_funcs[None].insert(0, fails)
    return app


@scenario("a request_tearing_down receiver that raises (TESTING): the app context still tears down",
          "/ok", probe=_log, files=PAGE)
def _(fw: ModuleType, root: Path) -> Any:
    app = _signal_app(fw, root, TESTING=True)
    log = app.config["HOOK_LOG"]

    def fails(sender: Any, exc: BaseException | None) -> None:
        log.append("request_tearing_down receiver raises")
        raise RuntimeError("receiver")

    app.extensions["test_receivers"].append(fails)
    fw.request_tearing_down.connect(fails, app)
    return app


@scenario("a request_started receiver that raises is handled like a before_request error",
          "/ok", "/handled", probe=_log, files=PAGE)
def _(fw: ModuleType, root: Path) -> Any:
    app = _signal_app(fw, root)
    log = app.config["HOOK_LOG"]

    def fails(sender: Any) -> None:
        log.append("request_started receiver raises")
        raise KeyError("from the receiver")

    app.extensions["test_receivers"].append(fails)
    fw.request_started.connect(fails, app)
    return app


@scenario("app context signals outside a request", "/ok", probe=_log_after_app_context, files=PAGE)
def _(fw: ModuleType, root: Path) -> Any:
    return _signal_app(fw, root)


@scenario("a receiver for another app hears nothing", "/ok", "/render", probe=_log, files=PAGE)
def _(fw: ModuleType, root: Path) -> Any:
    app = _hook_app(fw, root, SECRET_KEY="x")
    other = fw.Flask("other")
    log = app.config["HOOK_LOG"]

    def heard(sender: Any, **extra: Any) -> None:
        log.append("the other app's receiver was called")

    app.extensions["test_receivers"] = [heard, other]
    for signal_name in SIGNALS:
        getattr(fw, signal_name).connect(heard, other)
    app.add_url_rule("/render", "render", lambda: fw.render_template_string("{{ 1 }}"))
    return app
