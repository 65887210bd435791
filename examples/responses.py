"""Response and its attributes: what a view's return value becomes, and how to shape it.

Run ``python examples/responses.py`` and try (curl -i shows the headers):

  /attributes     a Response built by hand, and each attribute read back
  /built          Response(body, status=201, headers=..., mimetype=...) returned directly
  /changed        status, mimetype, headers and body changed after it was made
  /teapot         a status line given as text: "418 I'M A TEAPOT"
  /bytes          a bytes body: content_length, and data vs get_data(as_text=True)
  /stream         a generator: streamed, so no Content-Length
"""

import _checkout  # noqa: F401 - this checkout's wsgi_stack, without installing it
from wsgi_stack import Flask, Response

app = Flask(__name__)


@app.route("/attributes")
def attributes():
    r = Response("héllo", status=202, headers={"X-Demo": "1"}, mimetype="text/plain")
    lines = [
        f"status={r.status!r} status_code={r.status_code!r}",
        f"mimetype={r.mimetype!r} content_type={r.content_type!r} mimetype_params={r.mimetype_params!r}",
        f"data={r.data!r} get_data(as_text=True)={r.get_data(as_text=True)!r} content_length={r.content_length!r}",
        f"headers={sorted(r.headers.items())!r}",
        f"is_json={r.is_json!r} is_streamed={r.is_streamed!r} default_status={Response.default_status!r}",
        f"default_mimetype={Response.default_mimetype!r} app.response_class is Response: {app.response_class is Response}",
    ]
    return "\n".join(lines) + "\n", {"Content-Type": "text/plain; charset=utf-8"}


@app.route("/built")
def built():
    return Response("created\n", status=201, headers={"Location": "/built/1"}, mimetype="text/plain")


@app.route("/changed")
def changed():
    r = Response("first body")
    r.status_code = 203
    r.mimetype = "text/markdown"
    r.headers["X-Added"] = "one"
    r.headers.add("X-Added", "two")        # add() keeps both
    r.set_data("# second body\n")          # replaces the body; Content-Length follows
    return r


@app.route("/teapot")
def teapot():
    return Response("short and stout\n", status="418 I'M A TEAPOT")


@app.route("/bytes")
def raw_bytes():
    r = Response(b"\x00\x01\x02 binary", mimetype="application/octet-stream")
    r.headers["X-Length-Before-Sending"] = str(r.content_length)
    return r


@app.route("/stream")
def stream():
    def chunks():
        for n in range(3):
            yield f"chunk {n}\n"

    r = Response(chunks(), mimetype="text/plain")
    r.headers["X-Streamed"] = str(r.is_streamed)
    return r


if __name__ == "__main__":
    app.run(debug=True)
