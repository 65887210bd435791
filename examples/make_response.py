"""make_response, and the return values a view may give instead of a Response.

Run ``python examples/make_response.py`` and try (curl -i):

  /text            a str: 200, text/html
  /tuple/status    (body, status)
  /tuple/headers   (body, headers)
  /tuple/all       (body, status, headers)
  /dict            a dict (or a list): JSON
  /made            make_response(body, status, headers): a Response to change before returning
  /made/tuple      make_response((body, status)): one tuple argument works the same
  /made/empty      make_response(): an empty 200 to fill in
  /made/template   make_response(render_template_string(...)) with a cookie set on it
"""

import _checkout  # noqa: F401 - this checkout's wsgi_stack, without installing it
from wsgi_stack import Flask, make_response, render_template_string

app = Flask(__name__)


@app.route("/text")
def text():
    return "just a string\n"


@app.route("/tuple/status")
def tuple_status():
    return "created\n", 201


@app.route("/tuple/headers")
def tuple_headers():
    return "with a header\n", {"X-Extra": "1"}


@app.route("/tuple/all")
def tuple_all():
    return "everything\n", 202, [("X-Extra", "1"), ("X-Extra", "2")]


@app.route("/dict")
def as_dict():
    return {"kind": "dict", "becomes": "JSON"}


@app.route("/made")
def made():
    response = make_response("made\n", 404, {"X-Why": "to show a status"})
    response.headers["X-Later"] = "added after make_response"
    return response


@app.route("/made/tuple")
def made_tuple():
    response = make_response(("from a tuple\n", 418))
    response.mimetype = "text/plain"
    return response


@app.route("/made/empty")
def made_empty():
    response = make_response()
    response.set_data("filled in afterwards\n")
    return response


@app.route("/made/template")
def made_template():
    response = make_response(render_template_string("<p>{{ greeting }}</p>\n", greeting="rendered"))
    response.set_cookie("seen", "yes")
    return response


if __name__ == "__main__":
    app.run(debug=True)
