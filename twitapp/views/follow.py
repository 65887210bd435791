"""Following and unfollowing other users.

The state changes are POSTs (with the CSRF token). A GET of MiniTwit's URLs shows a
one-button confirmation, so old links keep working without letting another site make
people follow someone by embedding a link.
"""

from __future__ import annotations

from typing import Any

from werkzeug.exceptions import BadRequest, NotFound, Unauthorized

from wsgi_stack import flash, g, redirect, render_template, request, url_for

from .. import db


def init_app(app: Any) -> None:
    app.add_url_rule("/<username>/follow", "follow_user", follow_user, methods=["GET", "POST"])
    app.add_url_rule("/<username>/unfollow", "unfollow_user", unfollow_user, methods=["GET", "POST"])


def _target(username: str) -> dict[str, Any]:
    """The user named in the URL; 401 when signed out, 404 when there is no such user."""
    if not g.user:
        raise Unauthorized("Sign in to follow people.")
    whom = db.get_db().user_by_name(username)
    if whom is None:
        raise NotFound(f"There is no user called {username!r}.")
    if int(whom["user_id"]) == int(g.user["user_id"]):
        raise BadRequest("You cannot follow or unfollow yourself.")
    return whom


def follow_user(username: str) -> Any:
    whom = _target(username)
    if request.method == "GET":
        return render_template("confirm.html", action="follow_user", following=True, whom=whom)
    who_id, whom_id = int(g.user["user_id"]), int(whom["user_id"])
    db.get_db().write_transaction(lambda conn: conn.follow(who_id, whom_id))
    flash(f'You are now following "{whom["username"]}"', "success")
    return redirect(url_for("user_timeline", username=whom["username"]))


def unfollow_user(username: str) -> Any:
    whom = _target(username)
    if request.method == "GET":
        return render_template("confirm.html", action="unfollow_user", following=False, whom=whom)
    who_id, whom_id = int(g.user["user_id"]), int(whom["user_id"])
    db.get_db().write_transaction(lambda conn: conn.unfollow(who_id, whom_id))
    flash(f'You are no longer following "{whom["username"]}"', "success")
    return redirect(url_for("user_timeline", username=whom["username"]))
