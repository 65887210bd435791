"""Cookies: set them on a response, read them from the request, delete them.

Run ``python examples/cookies.py`` and watch the Set-Cookie headers (curl -i, or the browser's tools):

  /set             several cookies, each with different attributes
  /show            what the browser sent back: request.cookies
  /count           read, change and set again: a visit counter
  /delete          delete_cookie: an empty value that expired in 1970
  /show            again: the deleted one is gone

A cookie is not signed: the browser may change it. For data the user must not alter, see sessions.py.
"""

import _checkout  # noqa: F401 - this checkout's wsgi_stack, without installing it
from datetime import datetime, timezone

from wsgi_stack import Flask, make_response, request

app = Flask(__name__)


@app.route("/set")
def set_cookies():
    response = make_response("cookies set; now see /show\n")
    response.set_cookie("plain", "hello")                       # lives until the browser closes
    response.set_cookie("for_an_hour", "1", max_age=3600)       # Max-Age, and an Expires from it
    response.set_cookie("until", "2030", expires=datetime(2030, 1, 1, tzinfo=timezone.utc))
    response.set_cookie("private", "s3", httponly=True, samesite="Lax")  # hidden from JavaScript
    response.set_cookie("https_only", "x", secure=True)         # a browser sends it over HTTPS only
    response.set_cookie("narrow", "n", path="/show")            # sent only to /show and below
    response.set_cookie("spaced", "a b;c")                      # quoted: a cookie value has no ; or space
    return response


@app.route("/show")
def show():
    lines = [f"{name} = {value!r}" for name, value in sorted(request.cookies.items())]
    return "request.cookies:\n" + "\n".join(lines or ["(none)"]) + "\n"


@app.route("/count")
def count():
    visits = request.cookies.get("visits", default=0, type=int) + 1
    response = make_response(f"visit number {visits}\n")
    response.set_cookie("visits", str(visits))
    return response


@app.route("/delete")
def delete():
    response = make_response("deleted 'plain' and 'visits'\n")
    response.delete_cookie("plain")
    response.delete_cookie("visits")
    return response


if __name__ == "__main__":
    app.run(debug=True)
