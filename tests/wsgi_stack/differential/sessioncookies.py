"""Signed session cookies made with the reference (Flask + itsdangerous), for scenarios and tests.

Used to forge what a client could send: a cookie signed with some key, at some time, or broken
on purpose. The candidate never sees this code; it only receives the cookie.
"""

from __future__ import annotations

import time
from typing import Any
from unittest import mock

import flask
from itsdangerous import TimestampSigner


def flask_cookie(data: dict[str, Any], secret_key: str, *, age_seconds: int = 0, salt: str = "cookie-session") -> str:
    """The value Flask's default session interface writes for ``data``, signed ``age_seconds`` ago."""
    app = flask.Flask("cookie_forge")
    app.secret_key = secret_key
    interface = flask.sessions.SecureCookieSessionInterface()
    interface.salt = salt
    serializer = interface.get_signing_serializer(app)
    assert serializer is not None
    signed_at = int(time.time()) - age_seconds
    with app.app_context(), mock.patch.object(TimestampSigner, "get_timestamp", return_value=signed_at):
        return serializer.dumps(data)


def tamper(cookie: str, position: int) -> str:
    """``cookie`` with the character at ``position`` replaced by a different cookie-safe one."""
    position %= len(cookie)
    old = cookie[position]
    new = "A" if old != "A" else "B"
    return cookie[:position] + new + cookie[position + 1:]
