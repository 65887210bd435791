"""Error answers: a readable page or a JSON body, never a traceback."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from collections.abc import Mapping

from werkzeug.exceptions import HTTPException, ServiceUnavailable

from wsgi_stack import current_app, g, jsonify, render_template, request

from . import db
from .i18n import N_, _, error_texts
from .security import CSRFError
from .web import wants_json

if TYPE_CHECKING:
    from wsgi_stack import Response

log = logging.getLogger(__name__)

#: Seconds a client is told to wait after a 503 before trying again.
RETRY_AFTER_UNAVAILABLE = 5
#: The same after a write gave up on conflicts: the load is what it waits out.
RETRY_AFTER_BUSY = 1


class FieldErrors(HTTPException):
    """Input refused field by field: ``fields`` maps a field name to what is wrong with it.

    A JSON client gets them in the error shape (``error.fields``); the HTML views show them
    next to their fields themselves. ``code`` is 400, or 409 when the only trouble is a
    conflict with what exists (a user name already taken).
    """

    def __init__(self, fields: Mapping[str, str], code: int = 400) -> None:
        self.code = code
        self.fields = dict(fields)
        super().__init__("; ".join(self.fields.values()))


def init_app(app: Any) -> None:
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(db.DatabaseUnavailable, database_unavailable)


def http_error(error: HTTPException) -> Any:
    """Render a 4xx/5xx as HTML or JSON, keeping its headers (``Allow``, ``Retry-After``)."""
    if error.code is None or error.code < 400:
        return error  # redirects raised by routing pass through untouched
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    headers.append(("Vary", "Accept"))  # the body below depends on it
    response: Response | str  # JSON, or a rendered page
    if wants_json():
        body: dict[str, Any] = {
            "code": error.code, "name": error.name, "description": error_texts(error)[1]
        }
        if isinstance(error, FieldErrors):
            body["fields"] = error.fields
        response = jsonify({"error": body})
    elif isinstance(error, CSRFError) and (retry := _csrf_retry()) is not None:
        # The form comes back as it was sent, with a valid token, for the person to send again.
        try:
            return retry(_(CSRF_RETRY_MESSAGE))
        except HTTPException:
            # It cannot come back (no such user, signed out): the plain 400, not a 500.
            response = render_template("error.html", error=error)
    else:
        response = render_template("error.html", error=error)
    return response, error.code, headers


#: Shown when a form came back without a valid token (an old tab, an expired session).
CSRF_RETRY_MESSAGE = N_(
    "The form's security token had expired, so nothing was done. Check it and send it again."
)


def _csrf_retry() -> Any:
    """The view's way of showing its form again after a CSRF failure, if it has one."""
    view = current_app.view_functions.get(request.endpoint or "")
    retry = getattr(view, "csrf_retry", None)
    if retry is None or ("user" not in g):
        return None
    return retry


def database_unavailable(exc: db.DatabaseUnavailable) -> Any:
    """The database is down or went away: 503 now, and a fresh connection next time.

    A write that kept conflicting with others (:class:`db.DatabaseBusy`) is a 503 too, but
    the database is there: the answer says the site is busy, and the connection is kept.
    """
    if isinstance(exc, db.DatabaseBusy):
        log.warning("database busy: %s", exc)
        message = _("The site is busy right now and the database could not save your change. "
                    "Nothing was saved; please try again in a moment.")
        return http_error(ServiceUnavailable(message, retry_after=RETRY_AFTER_BUSY))
    log.warning("database unavailable: %s", exc)
    db.forget_request_connection()
    return http_error(
        ServiceUnavailable(
            _("The database is not reachable right now. Please try again in a few seconds."),
            retry_after=RETRY_AFTER_UNAVAILABLE,
        )
    )
