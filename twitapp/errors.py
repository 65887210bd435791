"""Error answers: a readable page or a JSON body, never a traceback."""

from __future__ import annotations

import logging
from typing import Any

from werkzeug.exceptions import HTTPException, ServiceUnavailable

from wsgi_stack import jsonify, render_template

from . import db
from .web import wants_json

log = logging.getLogger(__name__)

#: Seconds a client is told to wait after a 503 before trying again.
RETRY_AFTER_UNAVAILABLE = 5


def init_app(app: Any) -> None:
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(db.DatabaseUnavailable, database_unavailable)


def http_error(error: HTTPException) -> Any:
    """Render a 4xx/5xx as HTML or JSON, keeping its headers (``Allow``, ``Retry-After``)."""
    if error.code is None or error.code < 400:
        return error  # redirects raised by routing pass through untouched
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    headers.append(("Vary", "Accept"))  # the body below depends on it
    if wants_json():
        body = {"error": {"code": error.code, "name": error.name, "description": error.description}}
        response = jsonify(body)
    else:
        response = render_template("error.html", error=error)
    return response, error.code, headers


def database_unavailable(exc: db.DatabaseUnavailable) -> Any:
    """The database is down or went away: 503 now, and a fresh connection next time."""
    log.warning("database unavailable: %s", exc)
    db.forget_request_connection()
    return http_error(
        ServiceUnavailable(
            "The database is not reachable right now. Please try again in a few seconds.",
            retry_after=RETRY_AFTER_UNAVAILABLE,
        )
    )
