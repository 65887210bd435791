"""Who is signed in: registration, login, logout, and ``g.user`` for every request."""

from __future__ import annotations

import re
from typing import Any

from werkzeug.security import check_password_hash, generate_password_hash

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
    session,
    url_for,
)

from .. import db, security
from ..errors import FieldErrors
from ..i18n import N_, _
from ..web import form_data, text_field, user_json, wants_json

#: Letters, digits, '.', '_' and '-', starting with a letter or digit: safe in a URL path.
USERNAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
USERNAME_RULE = N_(
    "A username has 1 to 32 letters, digits, '.', '_' or '-', and starts with a letter or digit"
)
#: Something@something.something, no spaces, at most 254 characters.
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
EMAIL_MAX_LENGTH = 254
#: Names a user page could never be reached at, because a fixed URL comes first.
RESERVED_NAMES = frozenset(
    {"public", "login", "logout", "register", "add_message", "static", "favicon.ico", "robots.txt",
     "avatars"}
)


TAKEN = N_("The username is already taken")


bp = Blueprint("auth", __name__)


@bp.before_app_request
def load_user() -> None:
    """Set ``g.user`` to the signed-in user's row, or None."""
    g.user = None
    if request.endpoint in ("static", "site.avatar"):
        return  # pictures and files never need the database
    user_id = session.get("user_id")
    # A signed cookie is trusted to come from us, not to be well formed: only an id the
    # database could hold is looked up (a bool is an int in Python, and never an id).
    if type(user_id) is int and 0 < user_id < 2**63:
        g.user = db.get_db().user_by_id(user_id)


def form_page(template: str, errors: dict[str, str], status: int = 400, **values: Any) -> Any:
    """A form shown again: each error flashed (MiniTwit's messages) and tied to its field."""
    for message in errors.values():
        flash(message, "error")
    return render_template(template, errors=errors, **values), status


def _signed_in_answer() -> Any:
    if wants_json():
        return jsonify({"user": user_json(g.user), "csrf_token": security.csrf_token()})
    return redirect(url_for("timelines.timeline"))


def _register_again(message: str) -> Any:
    form = request.form
    return form_page("register.html", {"csrf": message},
                     username=form.get("username", "").strip(), email=form.get("email", "").strip())


@bp.route("/register", methods=["GET", "POST"])
@security.on_csrf_failure(_register_again)
def register() -> Any:
    """Create an account. Every error is reported at once, next to its field; the form comes
    back filled in (not the passwords) with 400, or 409 when only the name is taken."""
    if g.user:
        return _signed_in_answer()
    if request.method == "GET":
        if wants_json():
            return jsonify({"user": None, "csrf_token": security.csrf_token()})
        return render_template("register.html", errors={})
    data = form_data()
    username = text_field(data, "username").strip()
    email = text_field(data, "email").strip()
    password = text_field(data, "password")
    password2 = text_field(data, "password2")
    if request.is_json and "password2" not in data:
        password2 = password  # a program does not mistype: one password is enough
    errors: dict[str, str] = {}
    if not username:
        errors["username"] = _("You have to enter a username")
    elif not USERNAME_PATTERN.fullmatch(username):
        errors["username"] = _(USERNAME_RULE)
    elif username.lower() in RESERVED_NAMES or db.get_db().user_by_name(username) is not None:
        errors["username"] = _(TAKEN)
    if not email or len(email) > EMAIL_MAX_LENGTH or not EMAIL_PATTERN.fullmatch(email):
        errors["email"] = _("You have to enter a valid email address")
    if not password:
        errors["password"] = _("You have to enter a password")
    elif password != password2:
        errors["password2"] = _("The two passwords do not match")
    if not errors:
        pw_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])
        try:
            db.get_db().write_transaction(lambda conn: conn.create_user(username, email, pw_hash))
        except db.DuplicateUsername:
            errors["username"] = _(TAKEN)  # lost a race with another registration
        else:
            if wants_json():
                user = {"username": username, "email": email}
                response = make_response(jsonify({"user": user_json(user)}), 201)
                response.headers["Location"] = url_for("timelines.user_timeline", username=username)
                return response
            flash(_("You were successfully registered and can login now"), "success")
            return redirect(url_for("auth.login"))
    if wants_json():
        raise FieldErrors(errors, 409 if list(errors.values()) == [_(TAKEN)] else 400)
    return form_page("register.html", errors, username=username, email=email)


def _login_again(message: str) -> Any:
    return form_page("login.html", {"csrf": message}, username=request.form.get("username", "").strip())


@bp.route("/login", methods=["GET", "POST"])
@security.on_csrf_failure(_login_again)
def login() -> Any:
    """Sign in; failures count towards throttling, which answers 429 once exceeded.

    A JSON client gets 200 with the user and the new session's CSRF token, 400 for a
    missing field and 401 for a wrong name or password.
    """
    if g.user:
        return _signed_in_answer()
    if request.method == "GET":
        if wants_json():
            return jsonify({"user": None, "csrf_token": security.csrf_token()})
        return render_template("login.html", errors={})
    data = form_data()
    username = text_field(data, "username").strip()
    password = text_field(data, "password")
    if wants_json() and (not username or not password):
        missing = {}
        if not username:
            missing["username"] = _("You have to enter a username")
        if not password:
            missing["password"] = _("You have to enter a password")
        raise FieldErrors(missing)
    valid_name = bool(USERNAME_PATTERN.fullmatch(username))
    security.check_login_allowed(username if valid_name else None)
    user = db.get_db().user_by_name(username) if valid_name else None
    errors: dict[str, str] = {}
    if user is None:
        errors["username"] = _("Invalid username")
    elif not check_password_hash(user["pw_hash"], password):
        errors["password"] = _("Invalid password")
    else:
        security.record_login_success(user["username"])
        session.clear()  # a fresh session (and CSRF token) for the signed-in user
        session["user_id"] = int(user["user_id"])
        g.user = user
        if wants_json():
            return _signed_in_answer()
        flash(_("You were logged in"), "success")
        return redirect(url_for("timelines.timeline"))
    security.record_login_failure(username if valid_name else None)
    if wants_json():
        raise FieldErrors(errors, 401)
    return form_page("login.html", errors, username=username)


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> Any:
    session.clear()
    if wants_json():
        return "", 204
    flash(_("You were logged out"), "success")
    return redirect(url_for("timelines.public_timeline"))
