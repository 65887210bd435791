"""The headers a session writes are Flask's, byte for byte: Set-Cookie and Vary.

wsgi_stack writes the session's Set-Cookie header from a template Werkzeug renders once per
set of cookie attributes, and adds ``Vary: Cookie`` without going through the header set when
there is no Vary header yet. Both are shortcuts; this property test holds them to what Flask
writes (through Werkzeug's ``set_cookie`` and ``vary``) over random SESSION_COOKIE_* settings,
permanence, existing Vary headers, writes, deletions and reads, at one fixed second.
"""

from __future__ import annotations

import datetime as dt
from types import ModuleType
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FIXED_TIME = 1_767_225_600.5
FIXED_EXPIRY = dt.datetime(2026, 2, 1, 12, 30, 5, tzinfo=dt.timezone.utc)

configs = st.fixed_dictionaries({
    "SESSION_COOKIE_NAME": st.sampled_from(["session", "my_session", "sid-1"]),
    "SESSION_COOKIE_DOMAIN": st.sampled_from([None, "example.com", ".example.com", "bücher.example"]),
    "SESSION_COOKIE_PATH": st.sampled_from([None, "/", "/app", "/a b;c"]),
    "APPLICATION_ROOT": st.sampled_from(["/", "/root"]),
    "SESSION_COOKIE_SECURE": st.booleans(),
    "SESSION_COOKIE_HTTPONLY": st.booleans(),
    "SESSION_COOKIE_SAMESITE": st.sampled_from([None, "Lax", "strict", "None"]),
    "SESSION_COOKIE_PARTITIONED": st.booleans(),
    "MAX_COOKIE_SIZE": st.sampled_from([4093, 120, 0]),
})
# What the view does: write a value, write it as a permanent session, empty a session that
# the request's cookie filled, or only read.
actions = st.sampled_from(["write", "permanent", "clear", "read"])
vary_headers = st.sampled_from([None, "", "Accept-Encoding", "cookie", "Accept, Cookie", "*", "Accept-Language, Origin"])
values = st.text(alphabet="abc xyz", max_size=200)


def _headers(fw: ModuleType, config: dict[str, Any], action: str, vary: str | None, value: str) -> list[tuple[str, str]]:
    app = fw.Flask("session_headers")
    app.config.update(config, SECRET_KEY="headers-secret")

    @app.route("/seed")
    def seed() -> str:
        fw.session["seed"] = "x"
        return ""

    @app.route("/")
    def view() -> Any:
        if action == "write":
            fw.session["value"] = value
        elif action == "permanent":
            fw.session.permanent = True
            fw.session["value"] = value
        elif action == "clear":
            fw.session.clear()
        else:
            fw.session.get("value")
        return ("body", {"Vary": vary}) if vary is not None else "body"

    # Datetimes are not mocked by time.time: a permanent cookie expires at a fixed moment.
    # (On an interface of this app's own: the default one is shared by every app.)
    interface = app.session_interface = type(app.session_interface)()
    interface.get_expiration_time = lambda app, session: FIXED_EXPIRY if session.permanent else None
    client = app.test_client(use_cookies=False)
    seeded = client.get("/seed")
    cookie = next((h.split(";")[0] for h in seeded.headers.getlist("Set-Cookie")), None)
    headers = {"Cookie": cookie} if cookie else {}
    response = client.get("/", headers=headers)
    return [(k, v) for k, v in response.headers if k in ("Set-Cookie", "Vary")]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(config=configs, action=actions, vary=vary_headers, value=values)
def test_set_cookie_and_vary_headers_are_flasks(config: dict[str, Any], action: str, vary: str | None, value: str,
                                                 reference: ModuleType, candidate: ModuleType) -> None:
    with mock.patch("time.time", return_value=FIXED_TIME), mock.patch("warnings.warn"):
        expected = _headers(reference, config, action, vary, value)
        written = _headers(candidate, config, action, vary, value)
    assert written == expected
