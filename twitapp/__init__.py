"""twitapp: a MiniTwit-like tweet site built on wsgi_stack.

Use :func:`create_app` to build the application (``gunicorn server:app`` does that from the
environment) and :func:`init_db`, inside an app context, to (re-)create its schema.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from typing import Any

from wsgi_stack import Flask
from wsgi_stack.compression import Compress

from . import commands, db, errors, i18n, negotiation, security, web
from .db import init_db
from .views import auth, follow, site, timelines

__all__ = ["create_app", "init_db", "DEFAULTS", "instance_secret_key"]

log = logging.getLogger(__name__)

#: Settings every app starts from; ``test_config`` (or server.py) overrides them.
DEFAULTS: dict[str, Any] = {
    # None: an SQLite file in the instance folder, created on first start.
    "DATABASE_URL": None,
    # None: a random key made once and kept in the instance folder (see instance_secret_key).
    "SECRET_KEY": None,
    # Create missing tables when the app is built (cheap: CREATE ... IF NOT EXISTS).
    "CREATE_SCHEMA": True,
    # Forms carry a token bound to the session; turn off for tests only.
    "CSRF_ENABLED": True,
    "MESSAGE_MAX_LENGTH": 280,
    "MESSAGES_PER_PAGE": 30,
    # werkzeug.security's method name; the default is its own (scrypt).
    "PASSWORD_HASH_METHOD": "scrypt",
    "LOGIN_MAX_FAILURES_PER_USER": 5,
    "LOGIN_MAX_FAILURES_PER_ADDRESS": 20,
    "LOGIN_FAILURE_WINDOW": 15 * 60,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # True when the site is served over HTTPS, so the browser never sends the cookie in clear.
    "SESSION_COOKIE_SECURE": False,
    # Every form is a few hundred bytes: anything far larger is refused with 413.
    "MAX_CONTENT_LENGTH": 64 * 1024,
    # Pictures of people are the app's own identicons. Set to Gravatar's base URL
    # ("https://www.gravatar.com/avatar/") to show Gravatar pictures where people have one;
    # the identicon still stands in when Gravatar cannot be reached.
    "GRAVATAR_URL": None,
    # gzip pages and JSON for clients that accept it (wsgi_stack.compression; COMPRESS_* tune it).
    "COMPRESS": True,
    # ... and its stylesheet and script too (small files, read whole to be gzipped).
    "COMPRESS_FILES_UP_TO": 256 * 1024,
}

#: A production app refuses a signing key shorter than this (in bytes).
MIN_SECRET_KEY_BYTES = 32


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the twitapp application.

    ``test_config`` overrides :data:`DEFAULTS` (``DATABASE_URL``, ``SECRET_KEY``,
    ``CSRF_ENABLED``, ``TESTING``, ...). Unless ``DEBUG`` or ``TESTING`` is on, a
    ``SECRET_KEY`` shorter than 32 bytes is refused with :class:`ValueError`.
    """
    app = Flask(__name__)
    app.config.update(DEFAULTS)
    if test_config:
        app.config.update(test_config)

    if not app.config["DATABASE_URL"]:
        os.makedirs(app.instance_path, exist_ok=True)
        path = os.path.join(app.instance_path, "twitapp.sqlite")
        app.config["DATABASE_URL"] = "sqlite:///" + path
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)
    _check_secret_key(app)

    db.init_app(app)
    commands.init_app(app)  # init-db and seed as app.cli commands
    # First: auth's load_user runs before the CSRF check, so a refused form comes back signed in.
    app.register_blueprint(auth.bp)
    security.init_app(app)
    web.init_app(app)
    errors.init_app(app)
    for blueprint in (site.bp, timelines.bp, follow.bp):
        app.register_blueprint(blueprint)
    negotiation.init_app(app)
    i18n.init_app(app)
    if app.config["COMPRESS"]:
        Compress(app)

    if app.config["CREATE_SCHEMA"]:
        try:
            db.ensure_schema(app.config["DATABASE_URL"])
        except db.DatabaseUnavailable as exc:
            # The app still starts: requests answer 503 until the database is back.
            log.warning("could not create the schema now: %s", exc)
    return app


def _check_secret_key(app: Flask) -> None:
    key = app.config["SECRET_KEY"]
    size = len(key.encode() if isinstance(key, str) else key)
    if size < MIN_SECRET_KEY_BYTES and not (app.debug or app.testing):
        raise ValueError(
            f"SECRET_KEY is {size} bytes long; a production start needs at least "
            f"{MIN_SECRET_KEY_BYTES} (or leave it unset to use a generated one)"
        )


def instance_secret_key(instance_path: str) -> str:
    """The site's signing key, kept in ``instance_path/secret_key`` (mode 600).

    Made on first use. Several gunicorn workers may start at once: each writes its own
    candidate to a private file and links it into place, which fails for all but the
    first, so every worker (and every later restart) reads the same key and no one ever
    reads a half-written file.
    """
    os.makedirs(instance_path, exist_ok=True)
    path = os.path.join(instance_path, "secret_key")
    if not os.path.exists(path):
        candidate = f"{path}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
            try:
                os.link(candidate, path)
            except FileExistsError:
                pass  # another process won the race; use its key
        finally:
            os.unlink(candidate)
    with open(path, encoding="ascii") as handle:
        key = handle.read().strip()
    if len(key) < MIN_SECRET_KEY_BYTES:
        raise ValueError(f"{path} holds a key shorter than {MIN_SECRET_KEY_BYTES} bytes")
    return key
