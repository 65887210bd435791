"""Who is signed in: registration, login, logout, and ``g.user`` for every request."""

from __future__ import annotations

import re
from typing import Any

from werkzeug.security import check_password_hash, generate_password_hash

from wsgi_stack import current_app, flash, g, redirect, render_template, request, session, url_for

from .. import db, security

#: Letters, digits, '.', '_' and '-', starting with a letter or digit: safe in a URL path.
USERNAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
USERNAME_RULE = (
    "A username has 1 to 32 letters, digits, '.', '_' or '-', and starts with a letter or digit"
)
#: Something@something.something, no spaces, at most 254 characters.
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
EMAIL_MAX_LENGTH = 254
#: Names a user page could never be reached at, because a fixed URL comes first.
RESERVED_NAMES = frozenset(
    {"public", "login", "logout", "register", "add_message", "static", "favicon.ico", "robots.txt"}
)


def init_app(app: Any) -> None:
    app.before_request(load_user)
    app.add_url_rule("/register", "register", register, methods=["GET", "POST"])
    app.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    app.add_url_rule("/logout", "logout", logout, methods=["GET", "POST"])


def load_user() -> None:
    """Set ``g.user`` to the signed-in user's row, or None."""
    g.user = None
    if request.endpoint == "static":
        return  # static files never need the database
    user_id = session.get("user_id")
    # A signed cookie is trusted to come from us, not to be well formed: only an id the
    # database could hold is looked up (a bool is an int in Python, and never an id).
    if type(user_id) is int and 0 < user_id < 2**63:
        g.user = db.get_db().user_by_id(user_id)


def register() -> Any:
    """Create an account; errors re-show the form, filled in, with status 400."""
    if g.user:
        return redirect(url_for("timeline"))
    if request.method == "GET":
        return render_template("register.html")
    form = request.form
    username = form.get("username", "").strip()
    email = form.get("email", "").strip()
    password = form.get("password", "")
    error = None
    if not username:
        error = "You have to enter a username"
    elif not USERNAME_PATTERN.fullmatch(username):
        error = USERNAME_RULE
    elif not email or len(email) > EMAIL_MAX_LENGTH or not EMAIL_PATTERN.fullmatch(email):
        error = "You have to enter a valid email address"
    elif not password:
        error = "You have to enter a password"
    elif password != form.get("password2", ""):
        error = "The two passwords do not match"
    elif username.lower() in RESERVED_NAMES or db.get_db().user_by_name(username) is not None:
        error = "The username is already taken"
    if error is None:
        pw_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])
        try:
            db.get_db().write_transaction(lambda conn: conn.create_user(username, email, pw_hash))
        except db.DuplicateUsername:
            error = "The username is already taken"  # lost a race with another registration
        else:
            flash("You were successfully registered and can login now", "success")
            return redirect(url_for("login"))
    flash(error, "error")
    return render_template("register.html", username=username, email=email), 400


def login() -> Any:
    """Sign in; failures count towards throttling, which answers 429 once exceeded."""
    if g.user:
        return redirect(url_for("timeline"))
    if request.method == "GET":
        return render_template("login.html")
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    valid_name = bool(USERNAME_PATTERN.fullmatch(username))
    security.check_login_allowed(username if valid_name else None)
    user = db.get_db().user_by_name(username) if valid_name else None
    if user is None:
        error = "Invalid username"
    elif not check_password_hash(user["pw_hash"], password):
        error = "Invalid password"
    else:
        security.record_login_success(user["username"])
        session.clear()  # a fresh session (and CSRF token) for the signed-in user
        session["user_id"] = int(user["user_id"])
        flash("You were logged in", "success")
        return redirect(url_for("timeline"))
    security.record_login_failure(username if valid_name else None)
    flash(error, "error")
    return render_template("login.html", username=username), 400


def logout() -> Any:
    session.clear()
    flash("You were logged out", "success")
    return redirect(url_for("public_timeline"))
