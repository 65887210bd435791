"""Signed-cookie sessions (issue 3): reading and writing, permanence, every SESSION_COOKIE_* setting,
refresh, Vary, deletion, broken cookies, missing and rotated secret keys, the swappable interface.

Session cookies are compared by their decoded payload (the exact tagged-JSON text) and every
attribute; the interoperability tests check that each framework verifies the other's signature.
"""

from __future__ import annotations

import datetime as dt
import importlib
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

from markupsafe import Markup

from .kit import Lazy, make_app, req, scenario
from .sessioncookies import flask_cookie, tamper

SECRET = "differential-secret"


def _session_app(fw: ModuleType, root: Path, **config: Any) -> Any:
    """``/set?k=v...`` stores strings, ``/get`` shows the session, ``/clear`` empties it."""
    config.setdefault("SECRET_KEY", SECRET)
    app = make_app(fw, root, **config)
    session = fw.session

    @app.route("/set")
    def set_() -> str:
        for key, value in fw.request.args.items():
            session[key] = value
        return "set"

    @app.route("/get")
    def get() -> str:
        return f"{dict(session)!r} permanent={session.permanent} new={session.new} modified={session.modified}"

    @app.route("/clear")
    def clear() -> str:
        session.clear()
        return "cleared"

    @app.route("/untouched")
    def untouched() -> str:
        return "no session use"

    @app.route("/permanent")
    def permanent() -> str:
        session.permanent = True
        session["p"] = 1
        return "permanent"

    return app


@scenario("set then read across requests; a later change rewrites the cookie",
          "/set?a=1&b=two", "/get", "/set?a=changed", "/get", "/untouched")
def _(fw: ModuleType, root: Path) -> Any:
    return _session_app(fw, root)


@scenario("every tagged type: tuple, bytes, Markup, UUID, datetime, nested dicts, tag-like keys",
          "/types", "/get")
def _(fw: ModuleType, root: Path) -> Any:
    app = _session_app(fw, root)

    @app.route("/types")
    def types() -> str:
        fw.session.update({
            "tuple": (1, "two", (3,)),
            "bytes": b"\x00\xffbin",
            "markup": Markup("<b>bold</b>"),
            "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
            "datetime": dt.datetime(2024, 2, 29, 13, 14, 15, tzinfo=dt.timezone.utc),
            "nested": {"list": [1, {"deep": (True, None)}], "n": 1.5},
            "taglike": {" t": "not a tuple"},
            "taglike2": {" di": {" t": 1}},
            "twokeys": {" t": 1, "x": 2},
            "unicode": "Zoë ✓",
        })
        return "types"

    return app


@scenario("a naive datetime is stored as UTC and read back aware", "/naive", "/get")
def _(fw: ModuleType, root: Path) -> Any:
    app = _session_app(fw, root)
    app.add_url_rule("/naive", "naive", lambda: fw.session.update(when=dt.datetime(2020, 1, 1, 12)) or "ok")
    return app


@scenario("in-place change of a nested value is not saved unless modified is set",
          "/init", "/append", "/get", "/append-marked", "/get")
def _(fw: ModuleType, root: Path) -> Any:
    app = _session_app(fw, root)

    @app.route("/init")
    def init() -> str:
        fw.session["items"] = [1]
        return "init"

    @app.route("/append")
    def append() -> str:
        fw.session["items"].append(2)
        return f"modified={fw.session.modified}"

    @app.route("/append-marked")
    def append_marked() -> str:
        fw.session["items"].append(3)
        fw.session.modified = True
        return "marked"

    return app


@scenario("session dict methods: get, setdefault, pop, update, del, len, in",
          "/set?a=1&b=2", "/methods", "/get")
def _(fw: ModuleType, root: Path) -> Any:
    app = _session_app(fw, root)

    @app.route("/methods")
    def methods() -> str:
        s = fw.session
        seen = [s.get("a"), s.get("zz", "d"), s.setdefault("c", "3"), s.setdefault("a", "x"), s.pop("b"),
                s.pop("zz", None), "a" in s, len(s)]
        s.update(d="4")
        del s["a"]
        return repr(seen)

    return app


@scenario("permanent session: Expires from PERMANENT_SESSION_LIFETIME (timedelta)", "/permanent", "/get")
def _(fw: ModuleType, root: Path) -> Any:
    return _session_app(fw, root, PERMANENT_SESSION_LIFETIME=dt.timedelta(minutes=5))


@scenario("permanent session: PERMANENT_SESSION_LIFETIME as seconds", "/permanent")
def _(fw: ModuleType, root: Path) -> Any:
    return _session_app(fw, root, PERMANENT_SESSION_LIFETIME=120)


@scenario("permanent session: the default lifetime is 31 days; non-permanent has no Expires",
          "/permanent", "/clear", "/set?x=1")
def _(fw: ModuleType, root: Path) -> Any:
    return _session_app(fw, root)


def _setting(name: str, value: Any, *requests: str) -> None:
    """Register one scenario per SESSION_COOKIE_* setting."""

    @scenario(f"{name}={value!r} shapes the session cookie", *(requests or ("/set?a=1", "/get", "/clear")),
              session_cookies=("session", "custom_name"))
    def _(fw: ModuleType, root: Path) -> Any:
        return _session_app(fw, root, **{name: value})


_setting("SESSION_COOKIE_NAME", "custom_name")
_setting("SESSION_COOKIE_DOMAIN", "example.com")
_setting("SESSION_COOKIE_PATH", "/app")
_setting("SESSION_COOKIE_HTTPONLY", False)
_setting("SESSION_COOKIE_SECURE", True)
_setting("SESSION_COOKIE_SAMESITE", "Lax")
_setting("SESSION_COOKIE_SAMESITE", "Strict")
_setting("SESSION_COOKIE_PARTITIONED", True)
_setting("APPLICATION_ROOT", "/root")


@scenario("SESSION_COOKIE_PATH wins over APPLICATION_ROOT; DOMAIN with a leading dot",
          "/set?a=1", "/clear")
def _(fw: ModuleType, root: Path) -> Any:
    return _session_app(fw, root, APPLICATION_ROOT="/root", SESSION_COOKIE_PATH="/sess",
                        SESSION_COOKIE_DOMAIN=".example.org")


@scenario("SESSION_REFRESH_EACH_REQUEST True: a permanent session is re-sent on every request",
          "/permanent", "/get", "/untouched")
def _(fw: ModuleType, root: Path) -> Any:
    return _session_app(fw, root, SESSION_REFRESH_EACH_REQUEST=True)


@scenario("SESSION_REFRESH_EACH_REQUEST False: only a modified session is re-sent",
          "/permanent", "/get", "/set?b=2")
def _(fw: ModuleType, root: Path) -> Any:
    return _session_app(fw, root, SESSION_REFRESH_EACH_REQUEST=False)


@scenario("a non-permanent session is not refreshed on read", "/set?a=1", "/get")
def _(fw: ModuleType, root: Path) -> Any:
    return _session_app(fw, root, SESSION_REFRESH_EACH_REQUEST=True)


@scenario("Vary: Cookie when the session is accessed, not otherwise", "/untouched", "/peek", "/contains", "/get")
def _(fw: ModuleType, root: Path) -> Any:
    app = _session_app(fw, root)
    app.add_url_rule("/peek", "peek", lambda: repr(fw.session.get("nothing")))
    app.add_url_rule("/contains", "contains", lambda: repr("x" in fw.session))
    return app


@scenario("Vary: Cookie is added to an existing Vary header", "/vary")
def _(fw: ModuleType, root: Path) -> Any:
    app = _session_app(fw, root)
    app.add_url_rule("/vary", "vary", lambda: ("v", {"Vary": "Accept-Encoding"}) if fw.session.get("x") is None else "")
    return app


@scenario("emptying the session deletes the cookie (with the cookie's domain and path)",
          "/set?a=1", "/clear", "/get", "/clear")
def _(fw: ModuleType, root: Path) -> Any:
    return _session_app(fw, root, SESSION_COOKIE_DOMAIN="example.com", SESSION_COOKIE_PATH="/",
                        SESSION_COOKIE_SECURE=True, SESSION_COOKIE_SAMESITE="Lax")


@scenario("popping the last key deletes the cookie", "/set?a=1", "/pop", "/get")
def _(fw: ModuleType, root: Path) -> Any:
    app = _session_app(fw, root)
    app.add_url_rule("/pop", "pop", lambda: fw.session.pop("a"))
    return app


@scenario("a large payload is compressed", "/big", "/get")
def _(fw: ModuleType, root: Path) -> Any:
    app = _session_app(fw, root)
    app.add_url_rule("/big", "big", lambda: fw.session.update(text="abc " * 300) or "big")
    return app


def _broken(name: str, cookie: Lazy) -> None:
    """Register a scenario sending a broken cookie: it must read as an empty session, never a 500."""

    @scenario(f"client sends {name} session cookie: read only if genuine, never an error",
              req("/get", set_cookies={"session": cookie}),
              "/set?after=1", "/get")
    def _(fw: ModuleType, root: Path) -> Any:
        return _session_app(fw, root, PERMANENT_SESSION_LIFETIME=600)


_GOOD = {"user": "ann", "n": 1}
_broken("a valid", Lazy(lambda: flask_cookie(_GOOD, SECRET)))  # the control: it must be read
_broken("a tampered signature", Lazy(lambda: tamper(flask_cookie(_GOOD, SECRET), -5)))
_broken("a tampered payload", Lazy(lambda: tamper(flask_cookie(_GOOD, SECRET), 3)))
_broken("a tampered timestamp", Lazy(lambda: tamper(flask_cookie(_GOOD, SECRET), -30)))
_broken("a truncated", Lazy(lambda: flask_cookie(_GOOD, SECRET)[:-4]))
_broken("a garbage", Lazy(lambda: "!!not-a-cookie!!"))
_broken("an empty-parts", Lazy(lambda: "..."))
_broken("a compressed-garbage", Lazy(lambda: ".eJzzSM3JyVcozy_KSQEAGgQEXQ.AAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAA"))
_broken("another key's", Lazy(lambda: flask_cookie(_GOOD, "some-other-key")))
_broken("another salt's", Lazy(lambda: flask_cookie(_GOOD, SECRET, salt="other-salt")))
_broken("an expired", Lazy(lambda: flask_cookie(_GOOD, SECRET, age_seconds=3600)))
_broken("a nearly expired", Lazy(lambda: flask_cookie(_GOOD, SECRET, age_seconds=500)))
_broken("an oversized", Lazy(lambda: "x" * 5000))
_broken("a non-ASCII", Lazy(lambda: "é" + flask_cookie(_GOOD, SECRET)))


@scenario("no SECRET_KEY: reading gives an empty session", "/get", "/untouched")
def _(fw: ModuleType, root: Path) -> Any:
    return _session_app(fw, root, SECRET_KEY=None)


@scenario("no SECRET_KEY: writing is a 500", "/set?a=1")
def _(fw: ModuleType, root: Path) -> Any:
    return _session_app(fw, root, SECRET_KEY=None)


@scenario("no SECRET_KEY: writing raises RuntimeError under TESTING", "/set?a=1")
def _(fw: ModuleType, root: Path) -> Any:
    return _session_app(fw, root, SECRET_KEY=None, TESTING=True)


@scenario("SECRET_KEY_FALLBACKS: a cookie signed with an old key is read and re-signed with the new key",
          req("/get", set_cookies={"session": Lazy(lambda: flask_cookie(_GOOD, "old-key"))}),
          "/set?more=1", "/get")
def _(fw: ModuleType, root: Path) -> Any:
    return _session_app(fw, root, SECRET_KEY="new-key", SECRET_KEY_FALLBACKS=["older-key", "old-key"])


@scenario("without the old key in SECRET_KEY_FALLBACKS the old cookie is ignored",
          req("/get", set_cookies={"session": Lazy(lambda: flask_cookie(_GOOD, "old-key"))}))
def _(fw: ModuleType, root: Path) -> Any:
    return _session_app(fw, root, SECRET_KEY="new-key", SECRET_KEY_FALLBACKS=["unrelated"])


@scenario("a swapped session interface: a subclass with another salt and cookie name",
          "/set?a=1", "/get", req("/get", set_cookies={"session": Lazy(lambda: flask_cookie(_GOOD, SECRET))}),
          session_cookies=("session", "alt"))
def _(fw: ModuleType, root: Path) -> Any:
    sessions = importlib.import_module(f"{fw.__name__}.sessions")

    class AltInterface(sessions.SecureCookieSessionInterface):  # type: ignore[name-defined,misc]
        salt = "alt-salt"

        def get_cookie_name(self, app: Any) -> str:
            return "alt"

    app = _session_app(fw, root)
    app.session_interface = AltInterface()
    return app


@scenario("session in a template and g in a request", "/set?user=ann", "/tpl")
def _(fw: ModuleType, root: Path) -> Any:
    app = _session_app(fw, root)
    app.add_url_rule("/tpl", "tpl", lambda: fw.render_template_string("{{ session.user }} {{ session['user'] }}"))
    return app
