"""Helpers to move a session cookie from an app built with one framework to an app built with another."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .kit import parse_set_cookie

SESSION_COOKIE = "session"


def typed(value: Any) -> Any:
    """``value`` with every container's type spelled out, dict keys in a fixed order."""
    if isinstance(value, dict):
        return ("dict", sorted((key, typed(item)) for key, item in value.items()))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [typed(item) for item in value])
    return (type(value).__name__, value)


def session_app(framework: ModuleType, **config: Any) -> tuple[Any, list[dict[str, Any]]]:
    """An app whose ``/write`` stores ``app.config['TO_WRITE']`` and ``/read`` records what it reads.

    Returns the app and the list each ``/read`` appends ``{"data": dict(session), "permanent": ...}`` to,
    so the test compares the Python values themselves, not their printed form.
    """
    app = framework.Flask("interop")
    app.config.update(config)
    seen: list[dict[str, Any]] = []
    session = framework.session

    @app.route("/write")
    def write() -> str:
        session.update(app.config["TO_WRITE"])
        if app.config.get("MAKE_PERMANENT"):
            session.permanent = True  # setting it to False would still store the key
        return "written"

    @app.route("/read")
    def read() -> str:
        seen.append({"data": dict(session), "permanent": session.permanent})
        return "read"

    @app.route("/touch")
    def touch() -> str:
        session["touched"] = True
        return "touched"

    return app, seen


def cookie_from(response: Any, name: str = SESSION_COOKIE) -> tuple[str, dict[str, Any]]:
    """The value and attributes of the ``name`` cookie a response sets (it must set exactly one)."""
    cookies = [parse_set_cookie(h) for h in response.headers.getlist("Set-Cookie")]
    matching = [c for c in cookies if c["name"] == name]
    assert len(matching) == 1, f"expected one {name!r} cookie, got {response.headers.getlist('Set-Cookie')}"
    return matching[0]["value"], matching[0]["attributes"]


def write_cookie(framework: ModuleType, data: dict[str, Any], **config: Any) -> tuple[str, dict[str, Any]]:
    """Have ``framework`` write ``data`` into a session; return the cookie value and attributes."""
    app, _ = session_app(framework, TO_WRITE=data, **config)
    response = app.test_client().get("/write")
    assert response.status_code == 200, response.get_data(as_text=True)
    return cookie_from(response)


def read_cookie(framework: ModuleType, value: str, path: str = "/read", **config: Any) -> tuple[dict[str, Any], Any]:
    """Send ``value`` as the session cookie to an app built with ``framework``; return what it read.

    Returns ``(reading, response)`` where reading is ``{"data": ..., "permanent": ...}``.
    """
    app, seen = session_app(framework, **config)
    client = app.test_client()
    client.set_cookie(SESSION_COOKIE, value)
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    if path != "/read":
        return {}, response
    assert len(seen) == 1
    return seen[0], response
