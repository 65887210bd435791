"""The three timelines (home, public, one user's) and posting a message.

Every timeline answers HTML or, for ``Accept: application/json``, JSON with a ``next``
cursor, and pages by keyset: ``?before=<message_id>`` shows messages older than that one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.exceptions import NotFound, Unauthorized

from wsgi_stack import (
    current_app,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from .. import db
from ..web import before_cursor, message_json, wants_json

Fetch = Callable[[int, int], list[dict[str, Any]]]


def init_app(app: Any) -> None:
    app.add_url_rule("/", "timeline", timeline)
    app.add_url_rule("/public", "public_timeline", public_timeline)
    app.add_url_rule("/add_message", "add_message", add_message, methods=["POST"])
    app.add_url_rule("/<username>", "user_timeline", user_timeline)


def timeline() -> Any:
    """Home: your messages and those of whom you follow; signed out, the public timeline."""
    if not g.user:
        return redirect(url_for("public_timeline"))
    return _home_page()


def _home_page(draft: str = "", status: int = 200) -> Any:
    user_id = int(g.user["user_id"])
    conn = db.get_db()
    return render_timeline(
        lambda before, limit: conn.home_timeline(user_id, before, limit),
        endpoint="timeline",
        title="My Timeline",
        draft=draft,
        status=status,
    )


def public_timeline() -> Any:
    conn = db.get_db()
    return render_timeline(conn.public_timeline, endpoint="public_timeline", title="Public Timeline")


def user_timeline(username: str) -> Any:
    conn = db.get_db()
    profile = conn.user_by_name(username)
    if profile is None:
        raise NotFound(f"There is no user called {username!r}.")
    author_id = int(profile["user_id"])
    followed = bool(g.user) and conn.is_following(int(g.user["user_id"]), author_id)
    return render_timeline(
        lambda before, limit: conn.user_timeline(author_id, before, limit),
        endpoint="user_timeline",
        endpoint_args={"username": profile["username"]},
        title=f"{profile['username']}'s Timeline",
        profile_user=profile,
        followed=followed,
    )


def add_message() -> Any:
    """Post a message as the signed-in user (401 when signed out)."""
    if not g.user:
        raise Unauthorized("Sign in to post a message.")
    text = request.form["text"].replace("\r\n", "\n")
    limit = int(current_app.config["MESSAGE_MAX_LENGTH"])
    if not text.strip():
        flash("You have to enter a message", "error")
        return _home_page(text, 400)
    if len(text) > limit:
        flash(f"Your message is too long: at most {limit} characters, this one has {len(text)}", "error")
        return _home_page(text, 400)
    author_id = int(g.user["user_id"])
    db.get_db().write_transaction(lambda conn: conn.add_message(author_id, text, db.now()))
    flash("Your message was recorded", "success")
    return redirect(url_for("timeline"))


def render_timeline(
    fetch: Fetch,
    *,
    endpoint: str,
    title: str,
    endpoint_args: dict[str, Any] | None = None,
    status: int = 200,
    **context: Any,
) -> Any:
    """One page of a timeline as HTML or JSON, with the cursor of the next page.

    One row more than the page is read, so "is there an older page" needs no extra query.
    """
    before = before_cursor()
    per_page = int(current_app.config["MESSAGES_PER_PAGE"])
    rows = fetch(before, per_page + 1)
    page, more = rows[:per_page], len(rows) > per_page
    next_before = int(page[-1]["message_id"]) if more else None
    args = endpoint_args or {}
    next_url = url_for(endpoint, before=next_before, **args) if next_before else None
    if wants_json():
        response = make_response(
            jsonify(
                {
                    "title": title,
                    "messages": [message_json(row) for row in page],
                    "next": next_before,
                    "next_url": next_url,
                }
            ),
            status,
        )
    else:
        html = render_template(
            "timeline.html",
            title=title,
            endpoint=endpoint,
            messages=page,
            next_url=next_url,
            first_page=before == db.NO_CURSOR,
            first_url=url_for(endpoint, **args),
            max_length=int(current_app.config["MESSAGE_MAX_LENGTH"]),
            **context,
        )
        response = make_response(html, status)
    response.vary.add("Accept")
    return response
