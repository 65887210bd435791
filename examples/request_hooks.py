"""Request hooks: code that runs around every view, and the order it runs in.

Run ``python examples/request_hooks.py`` and watch the terminal as you try:

  /                  before_request (2, in order), the view, after_request (in reverse),
                     teardown_request, teardown_appcontext
  /blocked           a before_request that returns a value: the view is skipped, after_request still runs
  /once              after_this_request: a hook for this one request only
  /boom              the view raises: the error is logged, the 500 handler answers, after_request
                     still runs on that answer, and the teardowns get the error

before_first_request, removed from Flask in 2.3, has its own example: before_first_request.py.
"""

import _checkout  # noqa: F401 - this checkout's wsgi_stack, without installing it
import time

from wsgi_stack import Flask, after_this_request, g, request

app = Flask(__name__)


@app.before_request
def start_timer():
    g.started = time.perf_counter()
    print(f"before_request 1: {request.method} {request.path}")


@app.before_request
def block_some():
    print("before_request 2")
    if request.path == "/blocked":
        return "blocked by a before_request hook\n", 403  # a value here ends the request


@app.after_request
def add_header(response):
    print("after_request 1 (registered first, runs last)")
    response.headers["X-Hooked"] = "yes"
    return response


@app.after_request
def add_timing(response):
    print("after_request 2 (registered last, runs first)")
    response.headers["X-Timed"] = str(hasattr(g, "started"))
    return response


@app.teardown_request
def end_request(error):
    print(f"teardown_request: error={error!r}")


@app.teardown_appcontext
def end_app_context(error):
    print(f"teardown_appcontext: error={error!r}")


@app.errorhandler(500)
def server_error(error):
    print(f"errorhandler(500): {error.original_exception!r}")
    return "something broke\n", 500


@app.route("/")
def index():
    print("view: index")
    return "index\n"


@app.route("/blocked")
def blocked():
    print("view: blocked (never printed)")
    return "you will not see this\n"


@app.route("/once")
def once():
    @after_this_request
    def just_this_once(response):
        print("after_this_request")
        response.headers["X-Once"] = "1"
        return response

    print("view: once")
    return "once\n"


@app.route("/boom")
def boom():
    print("view: boom")
    raise RuntimeError("the view failed")


if __name__ == "__main__":
    app.run(debug=True)
