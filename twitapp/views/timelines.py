"""The three timelines (home, public, one user's), a message's own page, posting and deleting.

Every timeline answers HTML or, for ``Accept: application/json``, JSON, and pages by keyset
both ways: ``?before=<message_id>`` shows the messages older than that one, ``?after=`` the
ones newer. Posting goes to the home URL itself (MiniTwit's ``/add_message`` still works), so a
refused message is shown again, with its error, at the address of the page it was typed on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.exceptions import Forbidden, NotFound, Unauthorized

from wsgi_stack import (
    Blueprint,
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

from .. import db, security
from ..errors import FieldErrors
from ..i18n import _
from ..web import (
    after_cursor,
    before_cursor,
    form_data,
    message_json,
    profile_counts,
    text_field,
    user_json,
    wants_json,
)

#: ``fetch(cursor, limit)``: a page of rows, newest first.
Fetch = Callable[[int, int], list[dict[str, Any]]]


bp = Blueprint("timelines", __name__)


def _post_again(message: str) -> Any:
    if not g.user:  # signed out: no home page to show the draft on (errors.http_error: plain 400)
        raise Unauthorized(_("Sign in to post a message."))
    return _home_page(request.form.get("text", ""), 400, {"text": message})


@bp.route("/", methods=["GET", "POST"])
@security.on_csrf_failure(_post_again)
def timeline() -> Any:
    """Home: your messages and those of whom you follow; signed out, the public timeline.
    A POST here posts a message."""
    if request.method == "POST":
        return add_message()
    if not g.user:
        return redirect(url_for("timelines.public_timeline"))
    return _home_page()


def _home_page(draft: str = "", status: int = 200, errors: dict[str, str] | None = None) -> Any:
    user_id = int(g.user["user_id"])
    conn = db.get_db()
    for message in (errors or {}).values():
        flash(message, "error")
    return render_timeline(
        lambda before, limit: conn.home_timeline(user_id, before, limit),
        lambda after, limit: conn.home_timeline_after(user_id, after, limit),
        endpoint="timelines.timeline",
        title=_("My Timeline"),
        draft=draft,
        status=status,
        errors=errors or {},
    )


@bp.route("/public")
def public_timeline() -> Any:
    conn = db.get_db()
    return render_timeline(conn.public_timeline, conn.public_timeline_after,
                           endpoint="timelines.public_timeline", title=_("Public Timeline"))


def _profile(username: str) -> dict[str, Any]:
    profile = db.get_db().user_by_name(username)
    if profile is None:
        raise NotFound(_("There is no user called %(username)r.", username=username))
    return profile


@bp.route("/<username>")
def user_timeline(username: str) -> Any:
    conn = db.get_db()
    profile = _profile(username)
    author_id = int(profile["user_id"])
    followed = bool(g.user) and conn.is_following(int(g.user["user_id"]), author_id)
    return render_timeline(
        lambda before, limit: conn.user_timeline(author_id, before, limit),
        lambda after, limit: conn.user_timeline_after(author_id, after, limit),
        endpoint="timelines.user_timeline",
        endpoint_args={"username": profile["username"]},
        title=_("%(username)s's Timeline", username=profile["username"]),
        profile_user=profile,
        followed=followed,
        counts=profile_counts(author_id),
    )


@bp.route("/add_message", methods=["GET", "POST"])
@security.on_csrf_failure(_post_again)
def add_message() -> Any:
    """Post a message as the signed-in user (401 when signed out).

    MiniTwit's URL; the page's own form posts to ``/``. A GET (a reload of an old
    ``/add_message`` address) goes home.
    """
    if request.method == "GET":
        return redirect(url_for("timelines.timeline"))
    if not g.user:
        raise Unauthorized(_("Sign in to post a message."))
    text = text_field(form_data(), "text").replace("\r\n", "\n")
    limit = int(current_app.config["MESSAGE_MAX_LENGTH"])
    error = None
    if not text.strip():
        error = _("You have to enter a message")
    elif len(text) > limit:
        error = _(
            "Your message is too long: at most %(limit)d characters, this one has %(length)d",
            limit=limit, length=len(text),
        )
    if error:
        if wants_json():
            raise FieldErrors({"text": error})
        return _home_page(text, 400, {"text": error})
    author_id = int(g.user["user_id"])
    message_id = db.get_db().write_transaction(
        lambda conn: conn.add_message(author_id, text, db.now())
    )
    if wants_json():
        row = db.get_db().message_by_id(message_id)
        assert row is not None  # just written, on this connection
        response = make_response(jsonify({"message": message_json(row)}), 201)
        response.headers["Location"] = message_json(row)["url"]
        return response
    flash(_("Your message was recorded"), "success")
    return redirect(url_for("timelines.timeline"))


add_message.login_required = True  # type: ignore[attr-defined]  # a signed-out POST: 401, not CSRF


def _message(username: str, message_id: int) -> dict[str, Any]:
    """The message at this address; 404 when there is none or another author wrote it."""
    row = db.get_db().message_by_id(message_id)
    if row is None or str(row["username"]).lower() != username.lower():
        raise NotFound(_("There is no such message. It may have been deleted."))
    return row


@bp.route("/<username>/<int:message_id>")
def message_page(username: str, message_id: int) -> Any:
    row = _message(username, message_id)
    if wants_json():
        response = jsonify({"message": message_json(row)})
    else:
        response = make_response(render_template("message.html", message=row))
    response.vary.add("Accept")
    return response


@bp.route("/<username>/<int:message_id>/delete", methods=["GET", "POST"])
@security.login_required
def delete_message(username: str, message_id: int) -> Any:
    """Delete your own message: GET asks to confirm, POST (with the CSRF token) deletes.
    401 signed out, 404 no such message, 403 someone else's; JSON 204 when done."""
    row = _message(username, message_id)
    if int(row["author_id"]) != int(g.user["user_id"]):
        raise Forbidden(_("You can only delete your own messages."))
    if request.method == "GET":
        return render_template("confirm_delete.html", message=row)
    user_id = int(g.user["user_id"])
    db.get_db().write_transaction(lambda conn: conn.delete_message(message_id, user_id))
    if wants_json():
        return "", 204
    flash(_("Your message was deleted"), "success")
    return redirect(url_for("timelines.timeline"))


def render_timeline(
    older: Fetch,
    newer: Fetch,
    *,
    endpoint: str,
    title: str,
    endpoint_args: dict[str, Any] | None = None,
    status: int = 200,
    **context: Any,
) -> Any:
    """One page of a timeline as HTML or JSON, with links to the older and newer pages.

    One row more than the page is read, so "is there another page that way" needs no extra
    query; the other direction costs one index probe of a single row.
    """
    per_page = int(current_app.config["MESSAGES_PER_PAGE"])
    after = after_cursor()
    if after is None:
        before = before_cursor()
        rows = older(before, per_page + 1)
        page, more_older = rows[:per_page], len(rows) > per_page
        more_newer = before != db.NO_CURSOR and (not page or bool(newer(int(page[0]["message_id"]), 1)))
    else:
        rows = newer(after, per_page + 1)
        page, more_newer = rows[-per_page:], len(rows) > per_page
        more_older = bool(page) and bool(older(int(page[-1]["message_id"]), 1))
    args = endpoint_args or {}
    next_before = int(page[-1]["message_id"]) if more_older and page else None
    newer_after = int(page[0]["message_id"]) if more_newer and page else None
    next_url = url_for(endpoint, before=next_before, **args) if next_before else None
    first_url = url_for(endpoint, **args)
    newer_url = url_for(endpoint, after=newer_after, **args) if newer_after else (
        first_url if more_newer else None)
    if wants_json():
        body: dict[str, Any] = {
            "title": title,
            "messages": [message_json(row) for row in page],
            "next": next_before,
            "next_url": next_url,
            "newer": newer_after,
            "newer_url": newer_url,
        }
        if "profile_user" in context:
            body["user"] = user_json(context["profile_user"]) | context["counts"]
        response = make_response(jsonify(body), status)
    else:
        html = render_template(
            "timeline.html",
            title=title,
            endpoint=endpoint,
            messages=page,
            next_url=next_url,
            newer_url=newer_url,
            first_page=not more_newer,
            first_url=first_url,
            max_length=int(current_app.config["MESSAGE_MAX_LENGTH"]),
            **context,
        )
        response = make_response(html, status)
    response.vary.add("Accept")
    return response
