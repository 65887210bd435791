"""Sessions and their settings: a signed cookie holding a dict.

Run ``python examples/sessions.py`` and try, in order:

  /login/ada        session["user"] = "ada": a Set-Cookie named after SESSION_COOKIE_NAME
  /whoami           read back, on the next request
  /cart/add/tea     a list inside the session: changing it in place needs session.modified = True
  /cart/add/milk
  /cart
  /remember         session.permanent = True: the cookie gets an Expires (PERMANENT_SESSION_LIFETIME)
  /settings         the session settings in use
  /logout           session.clear(): the cookie is deleted

The value is readable (base64) but signed with SECRET_KEY: change one character and the
session is empty. Never put secrets in it. Try a request without the cookie (curl) for a fresh one.
"""

import _checkout  # noqa: F401 - this checkout's wsgi_stack, without installing it
from datetime import timedelta

from wsgi_stack import Flask, session

app = Flask(__name__)
app.config.update(
    SECRET_KEY="dev only - use a long random value in production",
    SESSION_COOKIE_NAME="example_session",
    SESSION_COOKIE_HTTPONLY=True,
    SESSION_COOKIE_SAMESITE="Lax",
    SESSION_COOKIE_SECURE=False,            # True when served over HTTPS
    PERMANENT_SESSION_LIFETIME=timedelta(days=7),
    SESSION_REFRESH_EACH_REQUEST=True,      # a permanent session's cookie is re-sent each request
)


@app.route("/login/<name>")
def login(name):
    session["user"] = name
    return f"logged in as {name}\n"


@app.route("/whoami")
def whoami():
    return f"user={session.get('user')!r} permanent={session.permanent}\n"


@app.route("/cart/add/<item>")
def cart_add(item):
    # setdefault returns the stored list; appending to it changes the session without
    # assigning a key, so the session cannot notice: say so with modified = True.
    session.setdefault("cart", []).append(item)
    session.modified = True
    return f"cart: {session['cart']}\n"


@app.route("/cart")
def cart():
    return f"cart: {session.get('cart', [])}\n"


@app.route("/remember")
def remember():
    session.permanent = True
    return f"permanent for {app.permanent_session_lifetime}\n"


@app.route("/settings")
def settings():
    keys = ["SESSION_COOKIE_NAME", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
            "SESSION_COOKIE_SECURE", "SESSION_COOKIE_PATH", "SESSION_COOKIE_DOMAIN",
            "PERMANENT_SESSION_LIFETIME", "SESSION_REFRESH_EACH_REQUEST"]
    return "".join(f"{key} = {app.config[key]!r}\n" for key in keys)


@app.route("/logout")
def logout():
    session.clear()
    return "logged out\n"


if __name__ == "__main__":
    app.run(debug=True)
