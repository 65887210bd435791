"""The WSGI environ: the dict a server hands the app for each request, and middleware around it.

Run ``python examples/wsgi_environ.py`` and try:

  /environ?x=1                 the CGI variables, the HTTP_* headers and the wsgi.* keys
  curl -H 'X-Token: abc' localhost:5000/environ     a header becomes HTTP_X_TOKEN
  /raw/anything?q=1            a plain WSGI function (no framework) mounted at /raw:
                               SCRIPT_NAME is '/raw', PATH_INFO the rest
  every answer has X-Middleware: the app's wsgi_app is wrapped, as real middleware does

``python -m wsgi_stack --app examples/wsgi_environ.py environ /environ`` explains every key.
"""

import _checkout  # noqa: F401 - this checkout's wsgi_stack, without installing it
from wsgi_stack import Flask, request

app = Flask(__name__)

SHOWN = ["REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "SERVER_NAME", "SERVER_PORT",
         "SERVER_PROTOCOL", "CONTENT_TYPE", "CONTENT_LENGTH", "REMOTE_ADDR", "wsgi.url_scheme",
         "wsgi.multithread", "wsgi.multiprocess", "wsgi.run_once", "example.seen_by"]


@app.route("/environ", methods=["GET", "POST"])
def show_environ():
    env = request.environ  # the very dict the server passed in
    lines = [f"{key} = {env.get(key)!r}" for key in SHOWN]
    lines += sorted(f"{key} = {value!r}" for key, value in env.items() if key.startswith("HTTP_"))
    lines.append(f"wsgi.input is a stream: {hasattr(env['wsgi.input'], 'read')}")
    return "\n".join(lines) + "\n", {"Content-Type": "text/plain; charset=utf-8"}


def raw_app(environ, start_response):
    """A WSGI application with no framework at all: a function of (environ, start_response)."""
    body = (f"raw WSGI: SCRIPT_NAME={environ['SCRIPT_NAME']!r} PATH_INFO={environ['PATH_INFO']!r}"
            f" QUERY_STRING={environ['QUERY_STRING']!r}\n").encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


class Middleware:
    """Wraps a WSGI app: marks the environ, mounts raw_app at /raw, adds a response header."""

    def __init__(self, wrapped):
        self.wrapped = wrapped

    def __call__(self, environ, start_response):
        environ["example.seen_by"] = "Middleware"
        path = environ.get("PATH_INFO", "")
        if path == "/raw" or path.startswith("/raw/"):
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + "/raw"
            environ["PATH_INFO"] = path[len("/raw"):]
            target = raw_app
        else:
            target = self.wrapped

        def add_header(status, headers, exc_info=None):
            return start_response(status, headers + [("X-Middleware", "yes")], exc_info)

        return target(environ, add_header)


# Wrap wsgi_app, not app: the app object keeps its methods (test_client, route, ...).
app.wsgi_app = Middleware(app.wsgi_app)


if __name__ == "__main__":
    app.run(debug=True)
