"""Following and unfollowing other users, and the lists of followers and followed.

The state changes are POSTs (with the CSRF token). A GET of MiniTwit's URLs shows a
one-button confirmation, so old links keep working without letting another site make
people follow someone by embedding a link.
"""

from __future__ import annotations

from typing import Any

from werkzeug.exceptions import BadRequest, NotFound

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
from ..i18n import _
from ..web import profile_counts, user_json, wants_json


bp = Blueprint("follow", __name__)


def _target(username: str) -> dict[str, Any]:
    """The user named in the URL; 404 when there is no such user, 400 for oneself."""
    whom = db.get_db().user_by_name(username)
    if whom is None:
        raise NotFound(_("There is no user called %(username)r.", username=username))
    if int(whom["user_id"]) == int(g.user["user_id"]):
        raise BadRequest(_("You cannot follow or unfollow yourself."))
    return whom


def _confirm_again(action: str) -> Any:
    def retry(message: str) -> Any:
        flash(message, "error")
        whom = _target(str(request.view_args["username"]))  # type: ignore[index]
        page = render_template("confirm.html", action=action, following=action == "follow.follow_user",
                               whom=whom)
        return page, 400
    return retry


@bp.route("/<username>/follow", methods=["GET", "POST"])
@security.on_csrf_failure(_confirm_again("follow.follow_user"))
@security.login_required
def follow_user(username: str) -> Any:
    """GET asks to confirm; POST follows (JSON: 204). Following twice is no error."""
    whom = _target(username)
    if request.method == "GET":
        return render_template("confirm.html", action="follow.follow_user", following=True, whom=whom)
    who_id, whom_id = int(g.user["user_id"]), int(whom["user_id"])
    db.get_db().write_transaction(lambda conn: conn.follow(who_id, whom_id))
    if wants_json():
        return "", 204
    flash(_('You are now following "%(username)s"', username=whom["username"]), "success")
    return redirect(url_for("timelines.user_timeline", username=whom["username"]))


@bp.route("/<username>/unfollow", methods=["GET", "POST"])
@security.on_csrf_failure(_confirm_again("follow.unfollow_user"))
@security.login_required
def unfollow_user(username: str) -> Any:
    """GET asks to confirm; POST unfollows (JSON: 204)."""
    whom = _target(username)
    if request.method == "GET":
        return render_template("confirm.html", action="follow.unfollow_user", following=False, whom=whom)
    who_id, whom_id = int(g.user["user_id"]), int(whom["user_id"])
    db.get_db().write_transaction(lambda conn: conn.unfollow(who_id, whom_id))
    if wants_json():
        return "", 204
    flash(_('You are no longer following "%(username)s"', username=whom["username"]), "success")
    return redirect(url_for("timelines.user_timeline", username=whom["username"]))


@bp.route("/<username>/followers")
def followers(username: str) -> Any:
    return _people(username, "followers")


@bp.route("/<username>/following")
def following(username: str) -> Any:
    return _people(username, "following")


def _people(username: str, which: str) -> Any:
    """Who follows ``username``, or whom they follow, by user id from ``?after=<id>`` on."""
    conn = db.get_db()
    profile = conn.user_by_name(username)
    if profile is None:
        raise NotFound(_("There is no user called %(username)r.", username=username))
    raw = request.args.get("after", "")
    if raw and not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        raise BadRequest(_("'after' must be a user id."))
    after = int(raw or 0)
    per_page = int(current_app.config["MESSAGES_PER_PAGE"])
    read = conn.followers if which == "followers" else conn.following
    rows = read(int(profile["user_id"]), after, per_page + 1)
    page = rows[:per_page]
    name = profile["username"]
    next_url = url_for(f"follow.{which}", username=name, after=page[-1]["user_id"]) if len(rows) > per_page else None
    if wants_json():
        response = jsonify({"users": [user_json(row) for row in page], "next_url": next_url})
    else:
        response = make_response(render_template(
            "people.html", which=which, profile_user=profile, people=page, next_url=next_url,
            first_url=url_for(f"follow.{which}", username=name) if after else None,
            counts=profile_counts(int(profile["user_id"])),
        ))
    response.vary.add("Accept")
    return response
