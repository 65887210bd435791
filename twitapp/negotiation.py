"""The type negotiation's last word: a 406 for an ``Accept`` that neither HTML nor JSON meets.

twitapp answers every page as HTML or JSON (``web.wants_json`` picks). A client whose
``Accept`` allows neither (``application/xml``, ``text/csv``, ``*/*;q=0``) is told so with
406 Not Acceptable, in the error shape (JSON: a client that cannot take HTML is a program).
No ``Accept`` at all, or an empty one, means anything goes. Static files answer their own
types and are left to the static route.
"""

from __future__ import annotations

from typing import Any

from werkzeug.exceptions import NotAcceptable

from wsgi_stack import jsonify, request

from .i18n import error_texts
from .web import HTML, JSON

#: What the views can answer.
SERVED = (HTML, JSON)


def init_app(app: Any) -> None:
    app.before_request(refuse_unservable_accept)
    app.register_error_handler(NotAcceptable, not_acceptable)


def cannot_serve() -> bool:
    """Whether the request's ``Accept`` names types, none of them HTML or JSON."""
    accept = request.accept_mimetypes
    return bool(accept) and accept.best_match(SERVED) is None


def refuse_unservable_accept() -> None:
    if request.endpoint != "static" and cannot_serve():
        raise NotAcceptable()


def not_acceptable(error: NotAcceptable) -> Any:
    """The 406 in the API's error shape; the one answer that cannot follow ``Accept``."""
    name, description = error_texts(error)
    body = {"error": {"code": 406, "name": error.name, "description": description}}
    return jsonify(body), 406, {"Vary": "Accept"}
