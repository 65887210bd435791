"""Edge cases across the layers: odd URLs and encodings, streaming with hooks, JSON helpers,
unusual return values and settings. Each is a place where a re-implementation easily drifts."""

from __future__ import annotations

import datetime as dt
import importlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from markupsafe import Markup

from .kit import make_app, req, scenario


def _echo(fw: ModuleType) -> Any:
    def view(**values: Any) -> str:
        r = fw.request
        return f"{r.path!r} {values!r} {r.args.to_dict(flat=False)!r} {r.query_string!r}"

    return view


@scenario("odd URLs: encoded slash, unicode path, merged slashes, bad percent escapes, non-UTF-8 query",
          "/s/a%2Fb", "/ü/x", "/%C3%BC/y", "//s/x", "/s/x?a=%zz&b=%ff&c=%", "/s/%ff")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/s/<name>", "s", _echo(fw))
    app.add_url_rule("/ü/<name>", "u", _echo(fw))
    return app


@scenario("trailing-slash redirect for HEAD and OPTIONS; OPTIONS on a missing URL is 404",
          req("/dir", "HEAD"), req("/dir", "OPTIONS"), req("/missing", "OPTIONS"), req("/dir/", "OPTIONS"))
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/dir/", "dir", lambda: "dir")
    return app


@scenario("HEAD of a streamed and of a JSON response", req("/gen", "HEAD"), req("/json", "HEAD"), "/gen")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)

    def gen() -> Iterator[str]:
        yield "streamed "
        yield "body"

    app.add_url_rule("/gen", "gen", lambda: gen())
    app.add_url_rule("/json", "json", lambda: {"a": 1})
    return app


def _log(fw: ModuleType, app: Any) -> list[str]:
    return list(app.config["HOOK_LOG"])


@scenario("hooks with a streamed response: teardown waits until the stream is consumed", "/stream",
          probe=_log)
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    log: list[str] = []
    app.config["HOOK_LOG"] = log
    app.before_request(lambda: log.append("before_request"))
    app.after_request(lambda r: log.append("after_request") or r)
    app.teardown_request(lambda e: log.append(f"teardown_request {e!r}"))
    app.teardown_appcontext(lambda e: log.append(f"teardown_appcontext {e!r}"))

    def view() -> Any:
        @fw.stream_with_context
        def chunks() -> Iterator[str]:
            log.append("chunk 1")
            yield f"path={fw.request.path};"
            log.append("chunk 2")
            yield "done"

        log.append("view")
        return chunks()

    app.add_url_rule("/stream", "stream", view)
    return app


@scenario("g is still there in teardown_appcontext, request in teardown_request", "/a", probe=_log)
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    log: list[str] = []
    app.config["HOOK_LOG"] = log
    app.teardown_request(lambda e: log.append(f"request {fw.request.path} g={fw.g.get('v')}"))
    app.teardown_appcontext(lambda e: log.append(f"appcontext g={fw.g.get('v')} app={fw.current_app.name}"))

    def view() -> str:
        fw.g.v = "set in view"
        return "a"

    app.add_url_rule("/a", "a", view)
    return app


@scenario("more return forms: iterator, (Response, headers), (body, status, Headers), list of objects",
          "/iter", "/resp-h", "/headers-obj", "/bad-list", "/int-keys", "/mixed-keys", headers=("X-A",))
def _(fw: ModuleType, root: Path) -> Any:
    from werkzeug.datastructures import Headers

    app = make_app(fw, root)
    app.add_url_rule("/iter", "iter", lambda: iter(["a", "b"]))
    app.add_url_rule("/resp-h", "resp_h", lambda: (fw.Response("r"), [("X-A", "1")]))
    app.add_url_rule("/headers-obj", "headers_obj", lambda: ("h", 201, Headers({"X-A": "2"})))
    app.add_url_rule("/bad-list", "bad_list", lambda: [object()])
    app.add_url_rule("/int-keys", "int_keys", lambda: {2: "b", 1: "a"})
    app.add_url_rule("/mixed-keys", "mixed_keys", lambda: {1: "a", "b": 2})
    return app


@scenario("abort with a redirect code is a LookupError (500); redirect with an odd code",
          "/abort302", "/redirect300")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/abort302", "abort302", lambda: fw.abort(302))
    app.add_url_rule("/redirect300", "redirect300", lambda: fw.redirect("/x", code=300))
    return app


@scenario("JSON body edge cases: empty body, a JSON scalar, a GET with no content type",
          req("/j", "PUT", data="", content_type="application/json"),
          req("/j", "PUT", data="3", content_type="application/json"),
          req("/j", "PUT", data='"text"', content_type="application/json"),
          req("/j", "GET"))
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/j", "j", lambda: {"got": fw.request.get_json()}, methods=["GET", "PUT"])
    return app


def _json_module(fw: ModuleType, app: Any) -> list[Any]:
    json = importlib.import_module(f"{fw.__name__}.json")
    values = {"b": dt.date(2020, 1, 2), "a": uuid.UUID(int=1), "m": Markup("<x>")}
    seen: list[Any] = [json.dumps(values), json.loads('{"x": [1, 2.5]}'), json.loads(b'"bytes"')]
    with app.app_context():
        app.json.sort_keys = False
        seen += [json.dumps(values), fw.json.dumps({"é": 1}), app.json.dumps({"z": 1, "a": 2})]
        response = json.jsonify({"k": "v"})
        seen += [response.mimetype, response.get_data(as_text=True)]
    return seen


@scenario("the json module: dumps/loads outside and inside an app context, the app's provider", probe=_json_module)
def _(fw: ModuleType, root: Path) -> Any:
    return make_app(fw, root)


def _tagged_json(fw: ModuleType, app: Any) -> list[Any]:
    tag = importlib.import_module(f"{fw.__name__}.json.tag")
    serializer = tag.TaggedJSONSerializer()
    value = {
        "t": (1, (2,)), "b": b"\x00", "m": Markup("<b>"), "u": uuid.UUID(int=7),
        "d": dt.datetime(2021, 5, 6, 7, 8, 9, tzinfo=dt.timezone.utc), " t": "key", "x": {" di": 1},
    }
    dumped = serializer.dumps(value)
    return [dumped, repr(serializer.loads(dumped)), serializer.loads('{" t":[1]}'), serializer.loads('{" di":{" t":1}}')]


@scenario("the tagged JSON serializer (json.tag): dumps and loads of every tag", probe=_tagged_json)
def _(fw: ModuleType, root: Path) -> Any:
    return make_app(fw, root)


@scenario("send_from_directory options: max_age, mimetype override, etag off, SEND_FILE_MAX_AGE_DEFAULT timedelta",
          "/age", "/type", "/static/s.css",
          files={"files/a.txt": "A", "static/s.css": "css"}, headers=("Cache-Control", "X-Has-ETag"))
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root, SEND_FILE_MAX_AGE_DEFAULT=dt.timedelta(minutes=1))
    folder = root / "files"

    def sent(**options: Any) -> Any:
        response = fw.send_from_directory(folder, "a.txt", **options)
        # An ETag's value hashes the file's path, which differs between the two runs: compare presence.
        response.headers["X-Has-ETag"] = str("ETag" in response.headers)
        return response

    app.add_url_rule("/age", "age", lambda: sent(max_age=30, etag=False))
    app.add_url_rule("/type", "type", lambda: sent(mimetype="text/x-custom"))
    return app


@scenario("an invalid SESSION_COOKIE_SAMESITE value is a 500 when the cookie is written", "/set")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root, SECRET_KEY="k", SESSION_COOKIE_SAMESITE="Bogus")
    app.add_url_rule("/set", "set", lambda: fw.session.update(a=1) or "set")
    return app


@scenario("permanent flag turned off again: the cookie loses Expires", "/on", "/off", "/read")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root, SECRET_KEY="k")

    def on() -> str:
        fw.session.permanent = True
        fw.session["a"] = 1
        return "on"

    def off() -> str:
        fw.session.permanent = False
        return "off"

    app.add_url_rule("/on", "on", on)
    app.add_url_rule("/off", "off", off)
    app.add_url_rule("/read", "read", lambda: f"{dict(fw.session)!r} {fw.session.permanent}")
    return app


@scenario("set and delete the same cookie in one response; several Set-Cookie headers keep order", "/both")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)

    def both() -> Any:
        r = fw.make_response("both")
        r.set_cookie("c", "1")
        r.delete_cookie("c")
        r.set_cookie("d", "2")
        return r

    app.add_url_rule("/both", "both", both)
    return app


@scenario("MAX_FORM_PARTS: too many multipart parts is 413",
          req("/f", "POST", data={f"k{i}": "v" for i in range(5)}, content_type="multipart/form-data"),
          req("/f", "POST", data={"k": "v"}, content_type="multipart/form-data"))
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root, MAX_FORM_PARTS=3)
    app.add_url_rule("/f", "f", lambda: repr(fw.request.form.to_dict()), methods=["POST"])
    return app


@scenario("a form with a non-UTF-8 body and a multipart body without a boundary",
          req("/f", "POST", data=b"k=%ff%fe", content_type="application/x-www-form-urlencoded"),
          req("/f", "POST", data=b"--x\r\n", content_type="multipart/form-data"))
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/f", "f", lambda: repr(fw.request.form.to_dict()), methods=["POST"])
    return app


@scenario("url_for with SERVER_NAME inside a request to another host", req("/u", base_url="http://other.org/"))
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root, SERVER_NAME="example.com")
    app.add_url_rule("/u", "u", lambda: f"{fw.url_for('u')} {fw.url_for('u', _external=True)} {fw.request.host}")
    return app
