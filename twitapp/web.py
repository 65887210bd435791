"""Small helpers shared by the views and templates: content negotiation, input, cursors, times."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from werkzeug.exceptions import BadRequest

from wsgi_stack import g, request, url_for

from . import avatars, db
from .i18n import _, format_date, ngettext

JSON = "application/json"
HTML = "text/html"


def wants_json() -> bool:
    """Whether to answer JSON: the client prefers it to HTML (HTML wins ties and ``*/*``),
    or it sent a JSON body."""
    if request.is_json:
        return True
    return request.accept_mimetypes.best_match([HTML, JSON]) == JSON


def form_data() -> Mapping[str, Any]:
    """The submitted fields: the form, or the JSON body (which must be an object)."""
    if not request.is_json:
        return request.form
    body = request.get_json()  # a malformed body is a 400 already
    if not isinstance(body, dict):
        raise BadRequest(_("The JSON body must be an object of field names and values."))
    return body


def text_field(data: Mapping[str, Any], name: str) -> str:
    """Field ``name`` as a string ('' when absent); a JSON number or list is a 400, and so is
    a string no database can store (JSON's ``\ud800``: half a character)."""
    value = data.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadRequest(_("The field %(name)r must be a string.", name=name))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest(_("The field %(name)r must be a string.", name=name)) from None
    return value


# --------------------------------------------------------------------------- times

def _utc(timestamp: int) -> datetime:
    return datetime.fromtimestamp(int(timestamp), timezone.utc)


def iso_time(timestamp: int) -> str:
    """``pub_date`` (Unix seconds) as ISO-8601 in UTC."""
    return _utc(timestamp).isoformat()


def format_datetime(timestamp: int) -> str:
    """The full date, with its zone, as shown on hover."""
    return _utc(timestamp).strftime("%Y-%m-%d @ %H:%M UTC")


def relative_time(timestamp: int) -> str:
    """How long ago, as people say it; past a week, the date."""
    seconds = max(0, int(db.now()) - int(timestamp))
    if seconds < 60:
        return _("just now")
    if seconds < 3600:
        return ngettext("%(num)d minute ago", "%(num)d minutes ago", seconds // 60)
    if seconds < 86400:
        return ngettext("%(num)d hour ago", "%(num)d hours ago", seconds // 3600)
    if seconds // 86400 <= 7:
        return ngettext("%(num)d day ago", "%(num)d days ago", seconds // 86400)
    return format_date(_utc(timestamp))


# --------------------------------------------------------------------------- paging

def _cursor(name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18 or int(raw) < 1:
        raise BadRequest(_("%(name)r must be a positive message id.", name=name))
    return int(raw)


def before_cursor() -> int:
    """The ``?before=<message_id>`` cursor, or :data:`db.NO_CURSOR`; garbage is a 400."""
    value = _cursor("before")
    return db.NO_CURSOR if value is None else value


def after_cursor() -> int | None:
    """The ``?after=<message_id>`` cursor (newer messages), or None; garbage is a 400."""
    value = _cursor("after")
    if value is not None and request.args.get("before"):
        raise BadRequest(_("Give 'before' or 'after', not both."))
    return value


# --------------------------------------------------------------------------- URLs and shapes

def user_url(username: str) -> str:
    """``url_for`` of a user page, built once per name and request (timelines repeat authors)."""
    built = g.get("_twitapp_user_urls")
    if built is None:
        built = g._twitapp_user_urls = {}
    url = built.get(username)
    if url is None:
        url = built[username] = url_for("timelines.user_timeline", username=username)
    return url


def message_url(username: str, message_id: int) -> str:
    """``url_for("timelines.message_page")``: the rule is ``/<username>/<int:message_id>``,
    so the user page's URL and the id (tests check the two agree)."""
    return f"{user_url(username)}/{int(message_id)}"


def message_view(row: Mapping[str, Any]) -> dict[str, Any]:
    """What a page shows of one message, computed in one call (not macro by macro)."""
    src, fallback = avatars.avatar_sources(row["email"], 48)
    author_url = user_url(row["username"])
    url = f"{author_url}/{int(row['message_id'])}"  # as message_url
    user = g.get("user")
    own = bool(user) and user["user_id"] == row["author_id"]
    labels = g.get("_twitapp_delete_labels") if own else ("", "")
    if labels is None:
        labels = g._twitapp_delete_labels = (_("delete"), _("this message"))
    return {
        "user_url": author_url,
        "url": url,
        "delete_url": f"{url}/delete" if own else None,
        "delete_label": labels[0],
        "delete_label_rest": labels[1],
        "avatar": src,
        "avatar_fallback": fallback,
        "iso": iso_time(row["pub_date"]),
        "full_date": format_datetime(row["pub_date"]),
        "ago": _relative_time_cached(int(row["pub_date"])),
    }


def _relative_time_cached(timestamp: int) -> str:
    """:func:`relative_time`, once per minute of age and request (a page's messages share few)."""
    said = g.get("_twitapp_ages")
    if said is None:
        said = g._twitapp_ages = {}
    now = int(db.now())
    key = (now - timestamp) // 60 if now - timestamp < 86400 * 8 else timestamp // 86400 - 10**9
    text = said.get(key)
    if text is None:
        text = said[key] = relative_time(timestamp)
    return text


#: Profile counts above this show as "1,000+" (counting further would cost every page view).
PROFILE_COUNT_CAP = 1000


def profile_counts(user_id: int) -> dict[str, Any]:
    """The profile header's counts, capped: ``{"messages": 12, ..., "more": {"messages": False, ...}}``."""
    counted = db.get_db().profile_counts(user_id, PROFILE_COUNT_CAP)
    counts: dict[str, Any] = {key: min(value, PROFILE_COUNT_CAP) for key, value in counted.items()}
    counts["more"] = {key: value > PROFILE_COUNT_CAP for key, value in counted.items()}
    return counts


def user_json(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "username": row["username"],
        "url": user_url(row["username"]),
        "avatar": avatars.avatar_url(row["email"], 48),
    }


def message_json(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "message_id": int(row["message_id"]),
        "author": row["username"],
        "text": row["text"],
        "pub_date": iso_time(row["pub_date"]),
        "url": message_url(row["username"], row["message_id"]),
        "avatar": avatars.avatar_url(row["email"], 48),
    }


def init_app(app: Any) -> None:
    """Make the helpers available to templates as filters."""
    app.add_template_filter(avatars.avatar_url, "avatar")
    app.add_template_filter(avatars.identicon_url, "identicon")
    app.add_template_filter(iso_time, "isotime")
    app.add_template_filter(format_datetime, "datetimeformat")
    app.add_template_filter(relative_time, "timeago")
    app.add_template_global(avatars.avatar_sources, "avatar_sources")
    app.add_template_global(message_view, "message_view")
