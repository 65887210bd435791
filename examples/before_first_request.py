"""before_first_request: run setup once, before the first request the app handles.

Flask removed this decorator in 2.3 (Flask 3.1 has no before_first_request); wsgi_stack keeps it
with the behaviour of Flask 2.2, the last that had it: the functions run once, in the order they
were registered, before the first request's before_request hooks, whatever that request is (even
a 404); if one raises, that request fails and the next one tries again. ``compare`` therefore
reports that this file does not import on Flask 3.1: that is the one documented difference.
In Flask 3, do such setup when the app is created, or with ``with app.app_context():``.

Run ``python examples/before_first_request.py`` and request / a few times: the terminal shows
the setup lines once, the before_request line every time.
"""

import _checkout  # noqa: F401 - this checkout's wsgi_stack, without installing it
from wsgi_stack import Flask, g

app = Flask(__name__)
state = {"setup_runs": 0}


@app.before_first_request
def open_resources():
    state["setup_runs"] += 1
    print("before_first_request 1: open resources")


@app.before_first_request
def warm_cache():
    print("before_first_request 2: warm the cache")


@app.before_request
def every_time():
    g.setup_runs = state["setup_runs"]
    print("before_request")


@app.route("/")
def index():
    return f"setup ran {g.setup_runs} time(s)\n"


if __name__ == "__main__":
    app.run(debug=True)
