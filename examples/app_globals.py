"""current_app and g: the app and a per-request scratch space, reachable from anywhere.

Run ``python examples/app_globals.py`` and try:

  /                 current_app is the app handling the request; g starts empty every request
  /user?name=ada    a before_request hook puts the user in g; the view and a helper read it
  /g-api            g's dict-like methods: get, setdefault, pop, `in`, iteration
  /count  /count    g does not survive the request: the count is 1 each time

Outside a request there is no current_app until an app context is pushed; this file does that
once at import time (see the terminal).
"""

import _checkout  # noqa: F401 - this checkout's wsgi_stack, without installing it
from wsgi_stack import Flask, current_app, g, request

app = Flask(__name__)
app.config["GREETING"] = "annyeong"

# Outside any request: push an app context by hand to use current_app and g.
with app.app_context():
    g.at_import = True
    print(f"at import: current_app.name={current_app.name!r}, g.at_import={g.at_import}")


def greeting_for_current_user():
    # A helper far from the view: no app or user passed in, both found through the context.
    return f"{current_app.config['GREETING']}, {g.get('user', 'stranger')}"


@app.before_request
def load_user():
    if "name" in request.args:
        g.user = request.args["name"]


@app.route("/")
def index():
    return (
        f"current_app is app: {current_app._get_current_object() is app}\n"
        f"current_app.name: {current_app.name!r}\n"
        f"g has at_import: {'at_import' in g}  (each app context gets a new g)\n"
    )


@app.route("/user")
def user():
    return greeting_for_current_user() + "\n"


@app.route("/g-api")
def g_api():
    g.a = 1
    lines = [
        f"g.get('a')={g.get('a')!r} g.get('zzz', 'default')={g.get('zzz', 'default')!r}",
        f"g.setdefault('b', 2)={g.setdefault('b', 2)!r} then again={g.setdefault('b', 99)!r}",
        f"'a' in g: {'a' in g}  sorted(g): {sorted(g)}",
        f"g.pop('a')={g.pop('a')!r}  then 'a' in g: {'a' in g}  g.pop('a', None)={g.pop('a', None)!r}",
    ]
    return "\n".join(lines) + "\n"


@app.route("/count")
def count():
    g.count = g.get("count", 0) + 1
    return f"count in g: {g.count} (a fresh g every request)\n"


if __name__ == "__main__":
    app.run(debug=True)
