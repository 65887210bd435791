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
