"""Small helpers shared by the views and templates: content negotiation, gravatars, times."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

from werkzeug.exceptions import BadRequest

from wsgi_stack import current_app, request

from . import db

JSON = "application/json"
HTML = "text/html"


def wants_json() -> bool:
    """Whether the client prefers JSON to HTML (HTML wins ties and ``*/*``)."""
    return request.accept_mimetypes.best_match([HTML, JSON]) == JSON


def gravatar_url(email: str, size: int = 80) -> str:
    """Gravatar picture of ``email``: MD5 of the trimmed, lower-cased address; identicon fallback."""
    digest = hashlib.md5(email.strip().lower().encode("utf-8"), usedforsecurity=False).hexdigest()
    query = urlencode({"d": "identicon", "s": size})
    return f"{current_app.config['GRAVATAR_URL']}{digest}?{query}"


def iso_time(timestamp: int) -> str:
    """``pub_date`` (Unix seconds) as ISO-8601 in UTC."""
    return datetime.fromtimestamp(int(timestamp), timezone.utc).isoformat()


def format_datetime(timestamp: int) -> str:
    """``pub_date`` for people, as MiniTwit showed it."""
    return datetime.fromtimestamp(int(timestamp), timezone.utc).strftime("%Y-%m-%d @ %H:%M")


def before_cursor() -> int:
    """The ``?before=<message_id>`` cursor, or :data:`db.NO_CURSOR`; garbage is a 400."""
    raw = request.args.get("before")
    if raw is None or raw == "":
        return db.NO_CURSOR
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18 or int(raw) < 1:
        raise BadRequest("'before' must be a positive message id.")
    return int(raw)


def message_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "message_id": int(row["message_id"]),
        "author": row["username"],
        "text": row["text"],
        "pub_date": iso_time(row["pub_date"]),
        "gravatar": gravatar_url(row["email"], 48),
    }


def init_app(app: Any) -> None:
    """Make the helpers available to templates as filters."""
    app.add_template_filter(gravatar_url, "gravatar")
    app.add_template_filter(iso_time, "isotime")
    app.add_template_filter(format_datetime, "datetimeformat")
