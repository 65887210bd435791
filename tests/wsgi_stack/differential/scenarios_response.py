"""Responses (issue 2): the Response constructor, cookies, view return forms, make_response, jsonify,
redirect, send_from_directory and the static route."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from markupsafe import Markup

from .kit import make_app, req, scenario


def _views(fw: ModuleType, root: Path, views: dict[str, Any], **config: Any) -> Any:
    """An app with one GET rule per ``{path: view}``."""
    app = make_app(fw, root, **config)
    for path, view in views.items():
        app.add_url_rule(path, path.strip("/").replace("/", "_") or "index", view)
    return app


# -- Response constructor -----------------------------------------------------------------------


@scenario("Response(): body str/bytes/list, default content type",
          "/str", "/bytes", "/list", "/empty", headers=("X-Info",))
def _(fw: ModuleType, root: Path) -> Any:
    R = fw.Response
    return _views(fw, root, {
        "/str": lambda: R("héllo"),
        "/bytes": lambda: R(b"\x00\x01bin"),
        "/list": lambda: R(["a", "b", "c"]),
        "/empty": lambda: R(),
    })


@scenario("Response(status=...): int, str with and without reason, unknown code",
          "/int", "/str", "/code-only", "/unknown", "/set-later")
def _(fw: ModuleType, root: Path) -> Any:
    R = fw.Response

    def set_later() -> Any:
        response = R("x")
        response.status_code = 418
        return response

    return _views(fw, root, {
        "/int": lambda: R("c", status=201),
        "/str": lambda: R("c", status="299 Custom Reason"),
        "/code-only": lambda: R("c", status="404"),
        "/unknown": lambda: R("c", status=599),
        "/set-later": set_later,
    })


@scenario("Response(headers=...): dict, list of pairs, Headers, repeated names",
          "/dict", "/list", "/headers", headers=("X-A", "X-B", "Cache-Control"))
def _(fw: ModuleType, root: Path) -> Any:
    from werkzeug.datastructures import Headers

    R = fw.Response
    return _views(fw, root, {
        "/dict": lambda: R("x", headers={"X-A": "1", "Cache-Control": "no-store"}),
        "/list": lambda: R("x", headers=[("X-A", "1"), ("X-A", "2"), ("X-B", "3")]),
        "/headers": lambda: R("x", headers=Headers([("X-B", "h")])),
    })


@scenario("Response mimetype and content_type: charset added for text only",
          "/plain", "/json", "/xml", "/ct", "/ct-text", "/svg")
def _(fw: ModuleType, root: Path) -> Any:
    R = fw.Response
    return _views(fw, root, {
        "/plain": lambda: R("x", mimetype="text/plain"),
        "/json": lambda: R("{}", mimetype="application/json"),
        "/xml": lambda: R("<a/>", mimetype="application/xml"),
        "/ct": lambda: R("a,b", content_type="text/csv; charset=latin-1"),
        "/ct-text": lambda: R("x", content_type="text/plain"),
        "/svg": lambda: R("<svg/>", mimetype="image/svg+xml"),
    })


@scenario("Response(direct_passthrough=True) with an iterator; data, set_data, get_data",
          "/pass", "/data", "/text")
def _(fw: ModuleType, root: Path) -> Any:
    R = fw.Response

    def data() -> Any:
        response = R("first")
        response.set_data("second, longer")
        return R(f"{response.get_data()!r} {response.data!r} {response.content_length} {response.status}")

    def text() -> Any:
        response = R("é")
        return R(f"{response.get_data(as_text=True)} {response.is_streamed} {response.mimetype}")

    return _views(fw, root, {
        "/pass": lambda: R(iter([b"one ", b"two"]), direct_passthrough=True),
        "/data": data,
        "/text": text,
    })


# -- cookies on responses -----------------------------------------------------------------------


@scenario("set_cookie with every attribute", "/cookies")
def _(fw: ModuleType, root: Path) -> Any:
    def view() -> Any:
        r = fw.make_response("cookies")
        r.set_cookie("plain", "v")
        r.set_cookie("age", "1", max_age=3600)
        r.set_cookie("delta", "2", max_age=dt.timedelta(days=1))
        r.set_cookie("when", "3", expires=dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc))
        r.set_cookie("stamp", "4", expires=1893456000)
        r.set_cookie("scoped", "5", path="/app", domain="example.com")
        r.set_cookie("flags", "6", secure=True, httponly=True)
        r.set_cookie("lax", "7", samesite="Lax")
        r.set_cookie("strict", "8", samesite="Strict")
        r.set_cookie("none", "9", samesite="None", secure=True)
        r.set_cookie("part", "10", partitioned=True)
        return r

    return _views(fw, root, {"/cookies": view})


@scenario("set_cookie values that need quoting; a bytes value is a 500", "/q", "/read", "/bytes")
def _(fw: ModuleType, root: Path) -> Any:
    def view() -> Any:
        r = fw.make_response("q")
        r.set_cookie("space", "a b")
        r.set_cookie("comma", "a,b;c")
        r.set_cookie("quote", 'say "hi"')
        r.set_cookie("uni", "Zoë")
        return r

    def bytes_value() -> Any:
        r = fw.make_response("b")
        r.set_cookie("bytes", b"raw")  # type: ignore[arg-type]
        return r

    return _views(fw, root, {
        "/q": view, "/read": lambda: repr(fw.request.cookies.to_dict()), "/bytes": bytes_value,
    })


@scenario("delete_cookie with path, domain, secure, httponly, samesite", "/del")
def _(fw: ModuleType, root: Path) -> Any:
    def view() -> Any:
        r = fw.make_response("deleted")
        r.delete_cookie("a")
        r.delete_cookie("b", path="/x", domain="example.com")
        r.delete_cookie("c", secure=True, httponly=True, samesite="Strict")
        return r

    return _views(fw, root, {"/del": view})


@scenario("a deleted cookie is gone from the next request", "/set", "/del", "/read")
def _(fw: ModuleType, root: Path) -> Any:
    def set_() -> Any:
        r = fw.make_response("set")
        r.set_cookie("gone", "soon")
        r.set_cookie("stays", "yes")
        return r

    def delete() -> Any:
        r = fw.make_response("del")
        r.delete_cookie("gone")
        return r

    return _views(fw, root, {
        "/set": set_, "/del": delete, "/read": lambda: repr(fw.request.cookies.to_dict()),
    })


# -- view return values -------------------------------------------------------------------------


class WsgiApp:
    """A plain WSGI application, returned from a view."""

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("202 Accepted", [("Content-Type", "text/x-wsgi"), ("X-From", "wsgi")])
        return [b"from wsgi ", environ["PATH_INFO"].encode()]


@scenario("view return forms: str, bytes, bytearray, dict, list, Response, WSGI callable",
          "/str", "/bytes", "/bytearray", "/dict", "/list", "/response", "/wsgi", headers=("X-From",))
def _(fw: ModuleType, root: Path) -> Any:
    return _views(fw, root, {
        "/str": lambda: "text é",
        "/bytes": lambda: b"\xffbytes",
        "/bytearray": lambda: bytearray(b"ba"),
        "/dict": lambda: {"b": 1, "a": [1, "x"]},
        "/list": lambda: [1, {"k": None}],
        "/response": lambda: fw.Response("resp", status=203, mimetype="text/plain"),
        "/wsgi": lambda: WsgiApp(),
    })


@scenario("view return forms: generators of str and bytes, stream_with_context", "/gen", "/bgen", "/ctx")
def _(fw: ModuleType, root: Path) -> Any:
    def gen() -> Iterator[str]:
        yield "a"
        yield "é"

    def bgen() -> Iterator[bytes]:
        yield b"x"
        yield b"y"

    def ctx() -> Any:
        @fw.stream_with_context
        def stream() -> Iterator[str]:
            yield "path="
            yield fw.request.path

        return stream()

    return _views(fw, root, {"/gen": gen, "/bgen": lambda: bgen(), "/ctx": ctx})


@scenario("view return tuples: (body, status), (body, headers), (body, status, headers)",
          "/bs", "/bh-dict", "/bh-list", "/bsh", "/status-str", "/resp-status", "/dict-status",
          "/resp-headers", headers=("X-A",))
def _(fw: ModuleType, root: Path) -> Any:
    return _views(fw, root, {
        "/bs": lambda: ("created", 201),
        "/bh-dict": lambda: ("h", {"X-A": "1", "Content-Type": "text/plain"}),
        "/bh-list": lambda: ("h", [("X-A", "1"), ("X-A", "2")]),
        "/bsh": lambda: ("bsh", 202, {"X-A": "3"}),
        "/status-str": lambda: ("s", "299 Whatever"),
        "/resp-status": lambda: (fw.Response("r", status=200), 404),
        "/dict-status": lambda: ({"ok": False}, 400),
        "/resp-headers": lambda: (fw.Response("r", headers={"X-A": "orig"}), {"X-A": "added"}),
    })


@scenario("bad view return values are 500: None, int, 1-tuple, 4-tuple, object, set",
          "/none", "/int", "/one", "/four", "/object", "/set", "/bad-status")
def _(fw: ModuleType, root: Path) -> Any:
    return _views(fw, root, {
        "/none": lambda: None,
        "/int": lambda: 42,
        "/one": lambda: ("x",),
        "/four": lambda: ("x", 200, {}, 1),
        "/object": lambda: object(),
        "/set": lambda: {"a"},
        "/bad-status": lambda: ("x", "abc"),
    })


@scenario("bad view return values raise TypeError under TESTING", "/none", "/int", "/four")
def _(fw: ModuleType, root: Path) -> Any:
    return _views(fw, root, {
        "/none": lambda: None, "/int": lambda: 42, "/four": lambda: ("x", 200, {}, 1),
    }, TESTING=True)


# -- make_response, jsonify, redirect ---------------------------------------------------------


@scenario("make_response forms", "/empty", "/body", "/status", "/headers", "/tuple", "/dict", "/response",
          headers=("X-A",))
def _(fw: ModuleType, root: Path) -> Any:
    mr = fw.make_response
    return _views(fw, root, {
        "/empty": lambda: mr(),
        "/body": lambda: mr("body"),
        "/status": lambda: mr("s", 201),
        "/headers": lambda: mr("h", {"X-A": "1"}),
        "/tuple": lambda: mr(("t", 202, [("X-A", "2")])),
        "/dict": lambda: mr({"a": 1}),
        "/response": lambda: mr(fw.Response("r", status=203)),
    })


@dataclasses.dataclass
class Point:
    x: int
    y: int


@scenario("jsonify forms: args, kwargs, one arg, none, both is an error",
          "/args", "/kwargs", "/one", "/none", "/list", "/both", "/scalar")
def _(fw: ModuleType, root: Path) -> Any:
    j = fw.jsonify
    return _views(fw, root, {
        "/args": lambda: j(1, "two", None),
        "/kwargs": lambda: j(b=2, a=1),
        "/one": lambda: j({"z": 1, "a": {"y": 2, "b": 3}}),
        "/none": lambda: j(),
        "/list": lambda: j([1, 2]),
        "/both": lambda: j(1, a=2),
        "/scalar": lambda: j("é"),
    })


@scenario("JSON of dates, UUID, Decimal, dataclass, Markup; unserialisable is 500", "/types", "/bad")
def _(fw: ModuleType, root: Path) -> Any:
    return _views(fw, root, {
        "/types": lambda: fw.jsonify(
            date=dt.date(2024, 2, 29),
            datetime=dt.datetime(2024, 2, 29, 13, 14, 15, tzinfo=dt.timezone.utc),
            naive=dt.datetime(2024, 2, 29, 13, 14, 15),
            uuid=uuid.UUID("12345678-1234-5678-1234-567812345678"),
            decimal=decimal.Decimal("1.10"),
            point=Point(1, 2),
            markup=Markup("<b>x</b>"),
        ),
        "/bad": lambda: fw.jsonify(x=object()),
    })


@scenario("JSON provider settings: sort_keys, compact, ensure_ascii, mimetype; DEBUG pretty-prints",
          "/j", "/d")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    app.json.compact = False
    app.json.mimetype = "application/vnd.test+json"
    app.add_url_rule("/j", "j", lambda: fw.jsonify(b=1, a="é"))
    app.add_url_rule("/d", "d", lambda: {"b": [1], "a": "é"})
    return app


@scenario("jsonify pretty-prints in DEBUG and is compact otherwise", "/j")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root, DEBUG=True)
    app.add_url_rule("/j", "j", lambda: fw.jsonify(b=1, a=[1, 2]))
    return app


@scenario("redirect: default 302, codes 301/303/307/308, relative and unicode locations",
          "/d", "/301", "/303", "/307", "/308", "/rel", "/uni", "/abs")
def _(fw: ModuleType, root: Path) -> Any:
    rd = fw.redirect
    return _views(fw, root, {
        "/d": lambda: rd("/target"),
        "/301": lambda: rd("/t", code=301),
        "/303": lambda: rd("/t", 303),
        "/307": lambda: rd("/t", code=307),
        "/308": lambda: rd("/t", code=308),
        "/rel": lambda: rd("../up?x=1&y=<2>"),
        "/uni": lambda: rd("/ünï côde"),
        "/abs": lambda: rd("https://example.org/a b"),
    })


@scenario("redirect with a Response class and followed by the client",
          req("/start", follow_redirects=True), "/custom")
def _(fw: ModuleType, root: Path) -> Any:
    return _views(fw, root, {
        "/start": lambda: fw.redirect(fw.url_for("end")),
        "/end": lambda: f"ended at {fw.request.path}",
        "/custom": lambda: fw.redirect("/end", Response=fw.Response),
    })


# -- files --------------------------------------------------------------------------------------

FILES = {
    "files/hello.txt": "hello text\n",
    "files/sub/data.json": '{"k": 1}',
    "files/page.html": "<p>page</p>",
    "files/blob.bin": bytes(range(256)),
    "files/no_ext": "no extension",
    "secret.txt": "must never be served",
    "static/site.css": "body { color: red }",
    "static/js/app.js": "console.log(1)",
    "static/image.svg": "<svg/>",
}


@scenario("send_from_directory: types, nested, attachment, download_name, missing",
          "/f/hello.txt", "/f/sub/data.json", "/f/page.html", "/f/blob.bin", "/f/no_ext", "/f/missing.txt",
          "/attach/hello.txt", "/named/hello.txt", req("/f/hello.txt", "HEAD"),
          files=FILES, headers=("Content-Disposition", "Cache-Control", "Last-Modified", "Accept-Ranges"))
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    folder = root / "files"
    app.add_url_rule("/f/<path:name>", "f", lambda name: fw.send_from_directory(folder, name))
    app.add_url_rule(
        "/attach/<path:name>", "attach", lambda name: fw.send_from_directory(folder, name, as_attachment=True)
    )
    app.add_url_rule(
        "/named/<path:name>", "named",
        lambda name: fw.send_from_directory(folder, name, download_name="Résumé 2024.txt", as_attachment=True),
    )
    return app


@scenario("send_from_directory: path traversal is 404",
          "/f/../secret.txt", "/f/%2e%2e/secret.txt", "/f/sub/../../secret.txt", "/f//etc/passwd",
          "/f/..%2fsecret.txt", "/f/sub/..", files=FILES)
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    folder = str(root / "files")
    app.add_url_rule("/f/<path:name>", "f", lambda name: fw.send_from_directory(folder, name))
    return app


@scenario("send_from_directory: conditional requests and ranges",
          req("/f/hello.txt", headers={"If-Modified-Since": "Wed, 15 Nov 2023 00:00:00 GMT"}),
          req("/f/hello.txt", headers={"Range": "bytes=0-4"}),
          req("/f/hello.txt", headers={"Range": "bytes=100-200"}),
          files=FILES, headers=("Content-Range", "Last-Modified", "Accept-Ranges"))
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/f/<path:name>", "f", lambda name: fw.send_from_directory(root / "files", name))
    return app


@scenario("static route: files, nested, missing, traversal, HEAD, url_for",
          "/static/site.css", "/static/js/app.js", "/static/image.svg", "/static/missing.css",
          "/static/../secret.txt", "/static/%2e%2e/secret.txt", req("/static/site.css", "HEAD"),
          req("/static/site.css", "POST"), "/url",
          files=FILES, headers=("Cache-Control", "Last-Modified"))
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/url", "url", lambda: fw.url_for("static", filename="js/app.js", v=3))
    return app


@scenario("static route: custom static_url_path and SEND_FILE_MAX_AGE_DEFAULT",
          "/assets/site.css", "/static/site.css", files=FILES, headers=("Cache-Control",))
def _(fw: ModuleType, root: Path) -> Any:
    app = fw.Flask("diffapp", root_path=str(root), static_url_path="/assets")
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 120
    return app


@scenario("static_folder=None: no static route", "/static/site.css", "/", files=FILES)
def _(fw: ModuleType, root: Path) -> Any:
    app = fw.Flask("diffapp", root_path=str(root), static_folder=None)
    app.add_url_rule("/", "index", lambda: ",".join(sorted(app.view_functions)))
    return app
