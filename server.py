"""The twitapp site for a WSGI server: ``gunicorn server:app`` (add ``-w 4`` for more workers).

Configured from the environment:

``DATABASE_URL``
    ``mysql://USER:PASSWORD@HOST:PORT/DB`` or ``sqlite:///PATH``; unset, an SQLite file in
    the instance folder (created, with its schema, on first start).
``SECRET_KEY``
    The key that signs session cookies, at least 32 bytes unless debugging. Unset, a random
    key is made once and kept in the instance folder (mode 600), so every worker and every
    restart share it.
``TWITAPP_DEBUG``
    ``1`` to run in debug mode (which also accepts a short ``SECRET_KEY``).
``TWITAPP_SECURE_COOKIES``
    ``1`` when the site is served over HTTPS: the session cookie gets ``Secure``.
``TWITAPP_GRAVATAR_URL``
    Gravatar's base URL (``https://www.gravatar.com/avatar/``) to show people's Gravatar
    pictures; unset, the site draws every picture itself and asks no third party.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from twitapp import create_app

_TRUE = {"1", "true", "yes", "on"}


def config_from_environment(environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """The settings that the environment gives, as a ``create_app`` config."""
    return {
        "DATABASE_URL": environ.get("DATABASE_URL") or None,
        "SECRET_KEY": environ.get("SECRET_KEY") or None,
        "DEBUG": environ.get("TWITAPP_DEBUG", "").lower() in _TRUE,
        "SESSION_COOKIE_SECURE": environ.get("TWITAPP_SECURE_COOKIES", "").lower() in _TRUE,
        "GRAVATAR_URL": environ.get("TWITAPP_GRAVATAR_URL") or None,
    }


app = create_app(config_from_environment())
