"""The shortcuts on the request path keep Werkzeug's and Flask's behaviour, including for
subclasses that bring their own methods."""

from __future__ import annotations

import io

from wsgi_stack import Flask, request
from wsgi_stack.wrappers import Request


def test_uploaded_files_are_closed_after_the_request():
    app = Flask(__name__)
    seen = []

    @app.post("/upload")
    def upload() -> str:
        seen.append(request.files["file"])
        return "ok"

    response = app.test_client().post("/upload", data={"file": (io.BytesIO(b"data"), "a.txt")})
    assert response.status_code == 200
    assert seen[0].closed


def test_a_request_class_with_its_own_close_has_it_called():
    closed = []

    class ClosingRequest(Request):
        def close(self) -> None:
            closed.append(self.path)
            super().close()

    app = Flask(__name__)
    app.request_class = ClosingRequest
    app.add_url_rule("/", "index", lambda: "ok")
    assert app.test_client().get("/").status_code == 200
    assert closed == ["/"]


def test_text_responses_get_the_default_mimetype_or_the_one_in_their_headers():
    app = Flask(__name__)
    app.add_url_rule("/plain", "plain", lambda: "text")
    app.add_url_rule("/status", "status", lambda: ("text", 201))
    app.add_url_rule("/typed", "typed", lambda: ("text", {"Content-Type": "text/plain"}))
    app.add_url_rule("/bytes", "bytes", lambda: b"\x00")
    client = app.test_client()
    assert client.get("/plain").headers["Content-Type"] == "text/html; charset=utf-8"
    assert client.get("/status").status_code == 201
    assert client.get("/status").headers["Content-Type"] == "text/html; charset=utf-8"
    assert client.get("/typed").headers["Content-Type"] == "text/plain"
    assert client.get("/bytes").headers["Content-Type"] == "text/html; charset=utf-8"


def test_a_response_class_with_its_own_init_is_called_as_flask_calls_it():
    from wsgi_stack import Response

    calls = []

    class Recording(Response):
        default_mimetype = "text/plain"

        def __init__(self, *args, **kwargs):
            calls.append(sorted(kwargs))
            super().__init__(*args, **kwargs)

    app = Flask(__name__)
    app.response_class = Recording
    app.add_url_rule("/", "index", lambda: "text")
    response = app.test_client().get("/")
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert calls[0] == ["headers", "status"]  # (the test client makes one more, to read it)


def test_a_host_idna_cannot_encode_is_a_400_with_trusted_hosts():
    # Flask lets Werkzeug's UnicodeError escape here (a 500 under a server).
    app = Flask(__name__)
    app.config["TRUSTED_HOSTS"] = ["example.com"]
    app.add_url_rule("/", "index", lambda: "ok")
    for host in ("\x80", "\ufff9", "a\u200b.example.com"):
        response = app.test_client().get("/", headers={"Host": host})
        assert response.status_code == 400, host
    assert app.test_client().get("/", headers={"Host": "example.com"}).status_code == 200


def _wsgi_call(app, method="GET", path="/"):
    from werkzeug.test import EnvironBuilder

    environ = EnvironBuilder(method=method, path=path).get_environ()
    started = []
    app_iter = app(environ, lambda status, headers, exc_info=None: started.append((status, headers)))
    body = b"".join(app_iter)
    return started[0][0], dict(started[0][1]), body, app_iter


def test_buffered_bodies_reach_the_server_whole_and_close_the_response():
    from wsgi_stack import after_this_request

    app = Flask(__name__)
    closed = []

    @app.route("/", methods=["GET", "HEAD"])
    def index():
        @after_this_request
        def on_close(response):
            response.call_on_close(lambda: closed.append(True))
            return response

        return "Hello"

    status, headers, body, app_iter = _wsgi_call(app)
    assert (status, body, headers["Content-Length"]) == ("200 OK", b"Hello", "5")
    assert closed == []
    app_iter.close()
    assert closed == [True]
    status, headers, body, app_iter = _wsgi_call(app, "HEAD")
    assert (body, headers["Content-Length"]) == (b"", "5")  # HEAD: Werkzeug's empty body
    app_iter.close()


def test_other_bodies_go_through_werkzeug():
    from wsgi_stack import Response

    app = Flask(__name__)
    app.add_url_rule("/stream", "stream", lambda: (chunk for chunk in ["a", "b"]))
    app.add_url_rule("/none", "none", lambda: ("ignored", 204))
    app.add_url_rule("/text-list", "text_list", lambda: Response(["é", b"x"]))

    class Upper(Response):
        def iter_encoded(self):
            return (chunk.upper() for chunk in super().iter_encoded())

    app.add_url_rule("/upper", "upper", lambda: Upper("shout"))
    assert _wsgi_call(app, path="/stream")[2] == b"ab"
    assert _wsgi_call(app, path="/none")[2] == b""
    assert _wsgi_call(app, path="/text-list")[2] == "éx".encode()
    assert _wsgi_call(app, path="/upper")[2] == b"SHOUT"


def _werkzeug_answer(response, environ):
    from werkzeug.wrappers import Response as WerkzeugResponse

    app_iter, status, headers = WerkzeugResponse.get_wsgi_response(response, environ)
    return status, headers, b"".join(app_iter)


def test_wsgi_headers_equal_werkzeugs_for_every_kind_of_response():
    from werkzeug.test import EnvironBuilder

    from wsgi_stack import Response

    def variants():
        yield Response("plain")
        yield Response("made", status=201, headers={"X-A": "1", "Set-Cookie": "a=b"})
        yield Response("", status=204)
        yield Response("old", status=304, headers={"ETag": '"x"', "Content-Encoding": "gzip"})
        yield Response("go", status=302, headers={"Location": "/ü/next"})
        yield Response("go", status=302, headers={"location": "http://example.com/a b"})
        yield Response("here", headers={"Content-Location": "/é"})
        yield Response("info", status=103)
        yield Response(["a", b"b"])  # a sequence without Content-Length yet
        yield Response((c for c in [b"s"]))  # a stream: no length to set
        yield Response("explicit", headers={"Content-Length": "8"})
        no_length = Response("x")
        del no_length.headers["Content-Length"]
        yield no_length
        no_length_auto = Response("x")
        no_length_auto.automatically_set_content_length = False
        del no_length_auto.headers["Content-Length"]
        yield no_length_auto

    for method in ("GET", "HEAD"):
        environ = EnvironBuilder(path="/a/b", method=method, base_url="http://h.example/root").get_environ()
        for ours, theirs in zip(variants(), variants()):
            app_iter, status, headers = ours.get_wsgi_response(environ)
            assert (status, headers, b"".join(app_iter)) == _werkzeug_answer(theirs, environ), (method, theirs)


def test_a_response_class_with_its_own_wsgi_headers_has_them_used():
    from wsgi_stack import Response

    class Tagged(Response):
        def get_wsgi_headers(self, environ):
            headers = super().get_wsgi_headers(environ)
            headers["X-Tagged"] = "yes"
            return headers

    app = Flask(__name__)
    app.response_class = Tagged
    app.add_url_rule("/", "index", lambda: "text")
    assert _wsgi_call(app)[1]["X-Tagged"] == "yes"
