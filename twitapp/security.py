"""Request-level protections: CSRF tokens, security headers, login throttling.

Login throttling keeps its counters in the database (table ``login_failure``), not in the
process: gunicorn runs several workers, and two app servers may share one database, so a
per-process counter would let an attacker multiply the allowed attempts by the number of
processes, and would forget everything at each restart. The cost is one indexed read per
login attempt and one upsert per failure.
"""

from __future__ import annotations

import functools
import hmac
import math
import secrets
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from werkzeug.exceptions import BadRequest, TooManyRequests, Unauthorized

from wsgi_stack import current_app, g, request, session

from . import db
from .i18n import N_, _, ngettext

#: Methods that change something and so must carry the session's CSRF token.
_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_CSRF_SESSION_KEY = "csrf_token"
CSRF_FIELD = "csrf_token"

View = TypeVar("View", bound=Callable[..., Any])


def content_security_policy(gravatar_url: str | None) -> str:
    """No inline script or style; script, style and pictures from the site itself, and from
    Gravatar's host only when the site turned Gravatar on."""
    images = "'self'"
    if gravatar_url:
        parts = urlsplit(gravatar_url)
        images += f" {parts.scheme}://{parts.netloc}"
    return (
        f"default-src 'none'; script-src 'self'; style-src 'self'; img-src {images}; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )


def init_app(app: Any) -> None:
    """Hooks of the app. Run after ``auth`` registered ``load_user``, so a refused form can
    be shown again to the person who is signed in."""
    app.config["CONTENT_SECURITY_POLICY"] = content_security_policy(app.config.get("GRAVATAR_URL"))
    app.before_request(check_csrf)
    app.after_request(add_security_headers)
    app.add_template_global(csrf_token)


def login_required(view: View) -> View:
    """Answer 401 to a signed-out request. A signed-out POST to such a view skips the CSRF
    check (it can change nothing), so a client learns it must sign in, not that a token
    was missing."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not g.user:
            raise Unauthorized(_("Sign in first."))
        return view(*args, **kwargs)

    wrapper.login_required = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def on_csrf_failure(retry: Callable[[str], Any]) -> Callable[[View], View]:
    """Show the view's form again with ``retry(message)`` when its CSRF token was refused."""

    def mark(view: View) -> View:
        view.csrf_retry = retry  # type: ignore[attr-defined]
        return view

    return mark


# --------------------------------------------------------------------------- CSRF


def csrf_token() -> str:
    """The session's CSRF token, made on first use (templates put it in every form)."""
    token = session.get(_CSRF_SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session[_CSRF_SESSION_KEY] = token
    return token


def renew_csrf_token() -> None:
    """Forget the token, so that a new one is made (on login and logout)."""
    session.pop(_CSRF_SESSION_KEY, None)


class CSRFError(BadRequest):
    # Translated where it is shown (i18n.error_texts), as Werkzeug's own descriptions are.
    description = N_(
        "The form's security token was missing or did not match this session. "
        "Go back, reload the page and try again."
    )


def check_csrf() -> None:
    """Before every request: refuse a state-changing one without the session's token.

    Runs before any view, so a refused request has touched nothing. The token comes from
    the form field ``csrf_token`` or an ``X-CSRF-Token`` header.
    """
    if request.method not in _UNSAFE_METHODS or not current_app.config["CSRF_ENABLED"]:
        return
    if getattr(request, "routing_exception", None) is not None:
        return  # no such URL or method: let routing answer 404/405 rather than 400
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "login_required", False) and not session.get("user_id"):
        return  # the view answers 401 before it touches anything
    expected = session.get(_CSRF_SESSION_KEY)
    sent = request.headers.get("X-CSRF-Token") or request.form.get(CSRF_FIELD)
    if not isinstance(expected, str) or not expected or not sent:
        raise CSRFError()
    if not hmac.compare_digest(expected.encode(), sent.encode("utf-8", "replace")):
        raise CSRFError()


# --------------------------------------------------------------------------- headers


def add_security_headers(response: Any) -> Any:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Content-Security-Policy", current_app.config["CONTENT_SECURITY_POLICY"])
    headers.setdefault("Referrer-Policy", "same-origin")
    return response


# --------------------------------------------------------------------------- login throttling


def _buckets(username: str | None) -> list[tuple[str, str]]:
    """(bucket, limit setting) pairs that a login attempt counts against."""
    pairs = [(f"addr:{request.remote_addr or 'unknown'}", "LOGIN_MAX_FAILURES_PER_ADDRESS")]
    if username:
        pairs.append((f"user:{username.lower()}", "LOGIN_MAX_FAILURES_PER_USER"))
    return pairs


def check_login_allowed(username: str | None) -> None:
    """Raise 429 (with ``Retry-After``) if this user name or address failed too often."""
    config = current_app.config
    window = int(config["LOGIN_FAILURE_WINDOW"])
    limits = dict(_buckets(username))
    now = db.now()
    wait = 0
    for row in db.get_db().login_failures(limits):
        if row["failures"] >= int(config[limits[row["bucket"]]]):
            wait = max(wait, int(row["window_start"]) + window - now)
    if wait > 0:
        raise TooManyRequests(
            ngettext(
                "Too many failed logins for this user name or from this address. "
                "Try again in %(num)d minute.",
                "Too many failed logins for this user name or from this address. "
                "Try again in %(num)d minutes.",
                math.ceil(wait / 60),
            ),
            retry_after=wait,
        )


def record_login_failure(username: str | None) -> None:
    window = int(current_app.config["LOGIN_FAILURE_WINDOW"])
    now = db.now()
    buckets = [bucket for bucket, _ in _buckets(username)]

    def count(conn: db.Connection) -> None:
        conn.forget_expired_login_failures(now, window)
        for bucket in buckets:
            conn.count_login_failure(bucket, now, window)

    db.get_db().write_transaction(count)


def record_login_success(username: str) -> None:
    """A correct password clears the user name's counter (not the address's)."""
    bucket = f"user:{username.lower()}"
    db.get_db().write_transaction(lambda conn: conn.clear_login_failures(bucket))
