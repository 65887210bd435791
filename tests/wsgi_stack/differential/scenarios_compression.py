"""Compression (issue 19): with ``wsgi_stack.compression.Compress`` switched on, every response
it must not compress stays byte for byte what Flask (which has no such step) sends.

Each app below is built plainly on both frameworks; on wsgi_stack, :func:`with_compression`
switches gzip on. The requests ask for gzip (``Accept-Encoding: gzip``), so any difference is
the step touching something it should have left alone. What it *does* compress, and what only
gains ``Vary``, is checked against Flask in ``tests/wsgi_stack/test_compression.py``.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

from .kit import make_app, req, scenario

GZIP = {"Accept-Encoding": "gzip, deflate, br"}
#: Compared in addition to the kit's defaults: whatever compression could touch.
HEADERS = ("Content-Encoding", "ETag", "Content-Range", "Accept-Ranges", "Cache-Control")

BIG_TEXT = "All work and no play makes Jack a dull boy.\n" * 100  # 4,400 bytes, very compressible
SMALL_TEXT = "small, under the 500-byte threshold"


def with_compression(fw: ModuleType, app: Any) -> Any:
    """Switch gzip on in the candidate; Flask has no such step and stays as it is."""
    if fw.__name__ == "wsgi_stack":
        from wsgi_stack.compression import Compress

        Compress(app)
    return app


def get(path: str, **headers: str) -> Any:
    return req(path, headers={**GZIP, **headers})


@scenario("small bodies, text, JSON and the default 404 page stay as they are",
          get("/small"), get("/small-json"), get("/missing"), get("/redirect"), headers=HEADERS)
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/small", "small", lambda: SMALL_TEXT)
    app.add_url_rule("/small-json", "small_json", lambda: {"ok": True})
    app.add_url_rule("/redirect", "redirect", lambda: fw.redirect("/small"))
    return with_compression(fw, app)


@scenario("a large body of a non-text type (PNG bytes, octet-stream) is not gzipped",
          get("/png"), get("/octets"), headers=HEADERS)
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    blob = bytes(range(256)) * 40
    app.add_url_rule("/png", "png", lambda: fw.Response(blob, mimetype="image/png"))
    app.add_url_rule("/octets", "octets", lambda: fw.Response(blob, mimetype="application/octet-stream"))
    return with_compression(fw, app)


@scenario("a body that is already encoded keeps its Content-Encoding and bytes",
          get("/encoded"), headers=HEADERS)
def _(fw: ModuleType, root: Path) -> Any:
    import gzip

    app = make_app(fw, root)
    packed = gzip.compress(BIG_TEXT.encode(), mtime=0)
    app.add_url_rule("/encoded", "encoded", lambda: fw.Response(
        packed, mimetype="text/plain", headers={"Content-Encoding": "gzip"}))
    return with_compression(fw, app)


@scenario("streamed bodies (a generator, stream_with_context) go out unbuffered",
          get("/generator"), get("/stream"), headers=HEADERS)
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)

    def generator() -> Any:
        return fw.Response((line for line in BIG_TEXT.splitlines(keepends=True)), mimetype="text/plain")

    def stream() -> Any:
        @fw.stream_with_context
        def lines() -> Any:
            yield fw.request.path + "\n"
            yield BIG_TEXT

        return fw.Response(lines(), mimetype="text/html")

    app.add_url_rule("/generator", "generator", generator)
    app.add_url_rule("/stream", "stream", stream)
    return with_compression(fw, app)


@scenario("files (direct_passthrough), their ranges (206) and 304s are left alone",
          get("/static/big.txt"),
          get("/static/big.txt", Range="bytes=0-99"),
          get("/static/big.txt", Range="bytes=4000-"),
          get("/static/big.txt", **{"If-Modified-Since": "Wed, 01 Jan 2031 00:00:00 GMT"}),
          get("/download"),
          # (ETag left out: Werkzeug hashes the file's path into it, and each app has its own root)
          files={"static/big.txt": BIG_TEXT}, headers=tuple(h for h in HEADERS if h != "ETag"))
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/download", "download",
                     lambda: fw.send_from_directory(root / "static", "big.txt", as_attachment=True))
    return with_compression(fw, app)


@scenario("HEAD of a large page is not compressed (same headers, no body)",
          req("/big", "HEAD", headers=GZIP), req("/big.json", "HEAD", headers=GZIP), headers=HEADERS)
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/big", "big", lambda: BIG_TEXT)
    app.add_url_rule("/big.json", "big_json", lambda: {"lines": BIG_TEXT.splitlines()})
    return with_compression(fw, app)


@scenario("204, a conditional 304 and a 206 made by the view are not compressed",
          get("/no-content"), get("/etag", **{"If-None-Match": '"v1"'}),
          get("/partial"), get("/partial-header"), headers=HEADERS)
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)

    def conditional() -> Any:
        response = fw.Response(BIG_TEXT, mimetype="text/plain")
        response.set_etag("v1")
        return response.make_conditional(fw.request)

    app.add_url_rule("/no-content", "no_content", lambda: ("", 204))
    app.add_url_rule("/etag", "etag", conditional)
    app.add_url_rule("/partial", "partial", lambda: (BIG_TEXT, 206, {"Content-Range": "bytes 0-4399/9000"}))
    app.add_url_rule("/partial-header", "partial_header",
                     lambda: (BIG_TEXT, 200, {"Content-Range": "bytes 0-4399/9000"}))
    return with_compression(fw, app)


@scenario("Cache-Control: no-transform is obeyed",
          get("/no-transform"), headers=HEADERS)
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/no-transform", "no_transform",
                     lambda: (BIG_TEXT, {"Cache-Control": "public, no-transform"}))
    return with_compression(fw, app)


@scenario("errors with small bodies (abort, 405, 500 page) are identical",
          get("/abort"), req("/abort", "POST", headers=GZIP), get("/boom"), headers=HEADERS)
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/abort", "abort", lambda: fw.abort(403))

    def boom() -> Any:
        raise RuntimeError("boom")

    app.add_url_rule("/boom", "boom", boom)
    return with_compression(fw, app)


@scenario("the session cookie is saved after it, as in Flask",
          get("/login"), get("/small"), headers=HEADERS)
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root, SECRET_KEY="differential")

    def login() -> str:
        fw.session["user"] = "ada"
        return "welcome"

    app.add_url_rule("/login", "login", login)
    app.add_url_rule("/small", "small", lambda: fw.session.get("user", "nobody"))
    return with_compression(fw, app)
