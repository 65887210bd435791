"""wsgi_stack.compression: what it compresses, how it reads Accept-Encoding, and that a gzip
body is Flask's body, byte for byte, once decompressed.

Responses it must leave alone are compared with Flask in
``differential/scenarios_compression.py``.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import flask
import pytest
from werkzeug.http import parse_accept_header

import wsgi_stack
from wsgi_stack.compression import Compress, choose_coding, is_compressible_mimetype

BIG_TEXT = "All work and no play makes Jack a dull boy.\n" * 100
BIG_HTML = "<!doctype html><ul>" + "".join(f"<li>message {i}</li>" for i in range(300)) + "</ul>"


def build(fw, root: Path, compress: bool):
    """The same small app on either framework; gzip switched on only where asked."""
    app = fw.Flask("gz", root_path=str(root))
    app.config["SECRET_KEY"] = "test"
    app.add_url_rule("/text", "text", lambda: BIG_TEXT)
    app.add_url_rule("/html", "html", lambda: fw.render_template_string("{{ page|safe }}", page=BIG_HTML))
    app.add_url_rule("/json", "json", lambda: {"lines": BIG_TEXT.splitlines()})
    app.add_url_rule("/small", "small", lambda: "tiny")
    app.add_url_rule("/png", "png", lambda: fw.Response(b"\x89PNG" + bytes(2000), mimetype="image/png"))

    def tagged():
        response = fw.Response(BIG_TEXT, mimetype="text/plain")
        response.set_etag("v1")
        return response.make_conditional(fw.request)

    app.add_url_rule("/etag", "etag", tagged)

    def session_page():
        fw.session["n"] = fw.session.get("n", 0) + 1
        return BIG_TEXT

    app.add_url_rule("/session", "session", session_page)

    @app.errorhandler(404)
    def not_found(error):
        return BIG_HTML, 404

    if compress:
        Compress(app)
    return app


@pytest.fixture
def apps(tmp_path):
    ours = build(wsgi_stack, tmp_path / "ours", compress=True)
    reference = build(flask, tmp_path / "flask", compress=False)
    return ours.test_client(), reference.test_client()


@pytest.mark.parametrize("path", ["/text", "/html", "/json", "/missing", "/session"])
def test_gzip_body_decompresses_to_flasks_bytes(apps, path):
    ours, reference = apps
    got = ours.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
    want = reference.get(path)
    assert got.status == want.status
    assert got.headers["Content-Encoding"] == "gzip"
    packed = got.get_data()
    assert int(got.headers["Content-Length"]) == len(packed)
    assert len(packed) < len(want.get_data()) / 3
    assert gzip.decompress(packed) == want.get_data()
    assert got.headers["Content-Type"] == want.headers["Content-Type"]
    vary = {v.strip() for v in got.headers.get("Vary", "").split(",")}
    assert "Accept-Encoding" in vary
    if path == "/session":
        assert vary == {"Accept-Encoding", "Cookie"} and "Set-Cookie" in got.headers


def test_same_bytes_every_time(apps):
    ours, _ = apps
    first = ours.get("/text", headers={"Accept-Encoding": "gzip"}).get_data()
    assert ours.get("/text", headers={"Accept-Encoding": "gzip"}).get_data() == first


@pytest.mark.parametrize(
    "accept_encoding",
    [None, "", "identity", "br", "deflate", "gzip;q=0", "gzip;q=0, *", "*;q=0, identity",
     "gzip;q=0.5, identity", "gzip;q=0.001, identity;q=0.5"],
)
def test_compressible_response_sent_plain_differs_from_flask_only_by_vary(apps, accept_encoding):
    ours, reference = apps
    headers = {} if accept_encoding is None else {"Accept-Encoding": accept_encoding}
    got, want = ours.get("/html", headers=headers), reference.get("/html", headers=headers)
    assert "Content-Encoding" not in got.headers
    assert got.get_data() == want.get_data()
    assert got.headers["Vary"] == "Accept-Encoding"
    assert [(k, v) for k, v in got.headers if k != "Vary"] == list(want.headers)


@pytest.mark.parametrize(
    ("header", "use_gzip", "identity_refused"),
    [
        ("gzip", True, False),
        ("GZIP", True, False),
        ("x-gzip", True, False),
        ("*", True, False),
        ("gzip;q=0.5, identity", False, False),
        ("gzip, identity;q=0.5", True, False),
        ("gzip;q=0.5, identity;q=0.5", True, False),  # a tie: the smaller body
        ("gzip;q=0, *", False, False),  # the explicit entry beats the wildcard
        ("*;q=0", False, True),
        ("*;q=0, identity", False, False),
        ("identity;q=0, gzip", True, True),
        ("identity;q=0", False, True),
        ("br, deflate", False, False),
        ("", False, False),
    ],
)
def test_choose_coding_follows_q_values(header, use_gzip, identity_refused):
    assert choose_coding(parse_accept_header(header)) == (use_gzip, identity_refused)


def test_identity_refused_gzips_even_small_and_binary_bodies(apps):
    ours, _ = apps
    for path in ("/small", "/png"):
        got = ours.get(path, headers={"Accept-Encoding": "identity;q=0, gzip"})
        assert got.headers["Content-Encoding"] == "gzip", path
        assert gzip.decompress(got.get_data())[:4] in (b"tiny", b"\x89PNG")


def test_small_and_binary_bodies_untouched_without_vary(apps):
    ours, reference = apps
    for path in ("/small", "/png"):
        got = ours.get(path, headers={"Accept-Encoding": "gzip"})
        want = reference.get(path, headers={"Accept-Encoding": "gzip"})
        assert list(got.headers) == list(want.headers) and got.get_data() == want.get_data()


def test_strong_etag_becomes_weak_and_still_revalidates(apps):
    ours, _ = apps
    first = ours.get("/etag", headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip"
    assert first.headers["ETag"] == 'W/"v1"'
    again = ours.get("/etag", headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    plain = ours.get("/etag")
    assert plain.headers["ETag"] == '"v1"' and "Content-Encoding" not in plain.headers


def test_runs_after_every_other_after_request_function(tmp_path):
    app = wsgi_stack.Flask("order", root_path=str(tmp_path))
    seen = []

    @app.after_request
    def before_switch(response):
        seen.append(("before", response.headers.get("Content-Encoding")))
        return response

    Compress(app)

    @app.after_request
    def after_switch(response):
        seen.append(("after", response.headers.get("Content-Encoding")))
        response.set_data(response.get_data() + b"<!-- footer -->" * 50)
        return response

    app.add_url_rule("/", "index", lambda: "x" * 10)
    response = app.test_client().get("/", headers={"Accept-Encoding": "gzip"})
    assert seen == [("after", None), ("before", None)]
    # The footer, added by a later-registered function, made the body large: it was compressed.
    assert gzip.decompress(response.get_data()).endswith(b"<!-- footer -->")


def test_settings_read_from_config_once(tmp_path):
    app = wsgi_stack.Flask("cfg", root_path=str(tmp_path))
    app.config.update(COMPRESS_MIN_SIZE=5, COMPRESS_LEVEL=1)
    Compress(app)
    app.config["COMPRESS_MIN_SIZE"] = 10_000  # too late: read when switched on
    app.add_url_rule("/", "index", lambda: "hello hello hello hello hello hello")
    response = app.test_client().get("/", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert app.extensions["compression"].level == 1


def test_bad_level_is_refused(tmp_path):
    app = wsgi_stack.Flask("cfg", root_path=str(tmp_path))
    app.config["COMPRESS_LEVEL"] = 12
    with pytest.raises(ValueError, match="COMPRESS_LEVEL"):
        Compress(app)


def test_not_after_the_first_request(tmp_path):
    app = wsgi_stack.Flask("late", root_path=str(tmp_path))
    app.add_url_rule("/", "index", lambda: "x")
    app.test_client().get("/")
    with pytest.raises(AssertionError):
        Compress(app)


@pytest.mark.parametrize(
    ("mimetype", "expected"),
    [("text/html", True), ("text/css", True), ("application/json", True),
     ("application/problem+json", True), ("image/svg+xml", True), ("application/javascript", True),
     ("image/png", False), ("application/octet-stream", False), ("application/zip", False), (None, False)],
)
def test_compressible_types(mimetype, expected):
    assert is_compressible_mimetype(mimetype) is expected


# --------------------------------------------------------------------------- small files, opt-in


@pytest.fixture
def file_apps(tmp_path):
    """Static files on both frameworks; ours gzips text files up to 8 KB."""
    css = "body { color: #123456; margin: 0 auto; }\n" * 100  # 4,100 bytes
    clients = []
    for fw, compress in ((wsgi_stack, True), (flask, False)):
        root = tmp_path / fw.__name__
        (root / "static").mkdir(parents=True)
        (root / "static" / "style.css").write_text(css)
        (root / "static" / "big.txt").write_text("x" * 20_000)
        (root / "static" / "logo.png").write_bytes(b"\x89PNG" + bytes(3000))
        app = fw.Flask("files", root_path=str(root))
        if compress:
            app.config["COMPRESS_FILES_UP_TO"] = 8 * 1024
            Compress(app)
        clients.append(app.test_client())
    return css.encode(), clients[0], clients[1]


def test_small_text_file_is_gzipped_when_switched_on(file_apps):
    css, ours, reference = file_apps
    got = ours.get("/static/style.css", headers={"Accept-Encoding": "gzip"})
    want = reference.get("/static/style.css")
    assert got.status_code == 200 and got.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(got.get_data()) == css == want.get_data()
    assert int(got.headers["Content-Length"]) == len(got.get_data())
    assert "Accept-Ranges" not in got.headers
    # Werkzeug's file ETag hashes the path (each app has its own root): compare the form.
    assert got.headers["ETag"].startswith('W/"') and want.headers["ETag"].startswith('"')
    assert got.headers["Vary"] == "Accept-Encoding"


def test_file_revalidation_and_ranges_still_work(file_apps):
    css, ours, _ = file_apps
    first = ours.get("/static/style.css", headers={"Accept-Encoding": "gzip"})
    again = ours.get(
        "/static/style.css", headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304 and again.get_data() == b""
    since = ours.get(
        "/static/style.css",
        headers={"Accept-Encoding": "gzip", "If-Modified-Since": first.headers["Last-Modified"]},
    )
    assert since.status_code == 304
    part = ours.get("/static/style.css", headers={"Accept-Encoding": "gzip", "Range": "bytes=0-9"})
    assert part.status_code == 206 and part.get_data() == css[:10]
    assert "Content-Encoding" not in part.headers


@pytest.mark.parametrize("path", ["/static/big.txt", "/static/logo.png"])
def test_large_or_binary_files_still_stream_untouched(file_apps, path):
    _, ours, reference = file_apps
    got = ours.get(path, headers={"Accept-Encoding": "gzip"})
    want = reference.get(path, headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in got.headers
    assert got.get_data() == want.get_data()
    assert {k: v for k, v in got.headers if k not in ("ETag",)} == {
        k: v for k, v in want.headers if k not in ("ETag",)
    }
