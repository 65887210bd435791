"""The request object (issue 2): args/form/values, typed get, MultiDict, files, cookies, JSON, URLs, Accept."""

from __future__ import annotations

import io
from pathlib import Path
from types import ModuleType
from typing import Any

from .kit import make_app, req, scenario


def _app_with(fw: ModuleType, root: Path, view: Any, methods: tuple[str, ...] = ("GET", "POST"), **config: Any) -> Any:
    """An app with one rule ``/r`` served by ``view``."""
    app = make_app(fw, root, **config)
    app.add_url_rule("/r", "r", view, methods=list(methods))
    return app


# -- args, form, values -------------------------------------------------------------------------


@scenario("values: the query string wins over the form on a shared key",
          req("/r?k=query&only_q=1", "POST", data={"k": "form", "only_f": "2"}))
def _(fw: ModuleType, root: Path) -> Any:
    def view() -> str:
        r = fw.request
        return "\n".join([
            r.values["k"], repr(r.values.getlist("k")), r.values["only_q"], r.values["only_f"],
            r.args["k"], r.form["k"], repr(sorted(r.values.keys())), type(r.values).__name__,
        ])

    return _app_with(fw, root, view)


@scenario("a GET body is parsed into form, but values on GET hold only args", req("/r?a=1", data={"a": "2"}))
def _(fw: ModuleType, root: Path) -> Any:
    def view() -> str:
        r = fw.request
        return f"{r.values.getlist('a')!r} {r.form.to_dict()!r} {r.args.to_dict()!r}"

    return _app_with(fw, root, view)


@scenario("typed get: int, float, default on failure, missing key", "/r?n=42&bad=x&f=2.5&neg=-3")
def _(fw: ModuleType, root: Path) -> Any:
    def view() -> str:
        a = fw.request.args
        return repr([
            a.get("n", type=int), a.get("bad", -1, type=int), a.get("bad", type=int),
            a.get("f", type=float), a.get("neg", 0, type=int), a.get("missing", "dflt", type=int),
            a.get("missing"), a.get("n"),
        ])

    return _app_with(fw, root, view)


class Upper:
    """A class with ``__call__``, usable as ``type=``."""

    def __call__(self, value: str) -> str:
        if not value.isalpha():
            raise ValueError(value)
        return value.upper()


@scenario("typed get: a function, a class instance with __call__, a TypeError is a default too",
          "/r?word=abc&num=12&mixed=a1")
def _(fw: ModuleType, root: Path) -> Any:
    def to_list(value: str) -> list[str]:
        return list(value)

    def raises_type_error(value: str) -> None:
        raise TypeError("no")

    def view() -> str:
        a = fw.request.args
        return repr([
            a.get("word", type=to_list), a.get("word", type=Upper()), a.get("mixed", "fallback", type=Upper()),
            a.get("num", "d", type=raises_type_error), a.get("num", type=lambda v: int(v) * 2),
        ])

    return _app_with(fw, root, view)


@scenario("MultiDict methods: getlist, to_dict, items(multi=True), lists, keys, len, in",
          "/r?a=1&b=2&a=3&c=&a=5")
def _(fw: ModuleType, root: Path) -> Any:
    def view() -> str:
        a = fw.request.args
        return "\n".join(repr(x) for x in [
            a.getlist("a"), a.getlist("a", type=int), a.getlist("zz"), a.to_dict(), a.to_dict(flat=False),
            list(a.items()), list(a.items(multi=True)), list(a.lists()), list(a.keys()), list(a.values()),
            len(a), "a" in a, "zz" in a, a["a"], a.get("c"), dict(a), list(a.listvalues()),
        ])

    return _app_with(fw, root, view)


@scenario("args are immutable", "/r?a=1")
def _(fw: ModuleType, root: Path) -> Any:
    def view() -> str:
        try:
            fw.request.args["a"] = "2"  # type: ignore[index]
        except TypeError as exc:
            return f"TypeError: {exc}"
        return "mutated"

    return _app_with(fw, root, view)


@scenario("a missing args or form key is a 400 page", "/r?a=1", req("/r", "POST", data={"x": "1"}))
def _(fw: ModuleType, root: Path) -> Any:
    def view() -> str:
        if fw.request.method == "POST":
            return fw.request.form["missing"]
        return fw.request.args["missing"]

    return _app_with(fw, root, view)


@scenario("a missing key in DEBUG mode is trapped and propagates", "/r")
def _(fw: ModuleType, root: Path) -> Any:
    return _app_with(fw, root, lambda: fw.request.args["needed"], DEBUG=True)


@scenario("percent-encoded and unicode query and form values",
          req("/r?q=%C3%A9t%C3%A9&sp=a+b&amp=x%26y", "POST", data={"name": "Zoë & co"}))
def _(fw: ModuleType, root: Path) -> Any:
    def view() -> str:
        r = fw.request
        return f"{r.args['q']}|{r.args['sp']}|{r.args['amp']}|{r.form['name']}|{r.query_string!r}"

    return _app_with(fw, root, view)


# -- files --------------------------------------------------------------------------------------


@scenario("file upload: filename, content type, content, several files under one name",
          req("/r", "POST", data={
              "title": "t",
              "doc": (io.BytesIO(b"hello file"), "notes.txt", "text/plain"),
              "pics": [(io.BytesIO(b"\x89PNG1"), "a.png"), (io.BytesIO(b"\x89PNG22"), "b.png")],
          }),
          req("/r", "POST", data={"title": "no files"}),
          "/r")
def _(fw: ModuleType, root: Path) -> Any:
    def view() -> str:
        r = fw.request
        lines = [f"form={r.form.to_dict()!r} files={sorted(r.files.keys())!r}"]
        for name, storage in r.files.items(multi=True):
            lines.append(f"{name}: {storage.filename} {storage.content_type} {storage.mimetype} {storage.read()!r}")
        lines.append(repr(bool(r.files.get("doc"))))
        return "\n".join(lines)

    return _app_with(fw, root, view)


@scenario("uploaded file saved to disk through FileStorage.save",
          req("/r", "POST", data={"doc": (io.BytesIO(b"saved bytes"), "../../evil.txt")}))
def _(fw: ModuleType, root: Path) -> Any:
    from werkzeug.utils import secure_filename

    def view() -> str:
        storage = fw.request.files["doc"]
        target = root / secure_filename(storage.filename or "")
        storage.save(target)
        return f"{target.name}: {target.read_bytes()!r}"

    return _app_with(fw, root, view)


# -- cookies ------------------------------------------------------------------------------------


@scenario("request.cookies: several, quoted, missing",
          req("/r", set_cookies={"a": "1", "b": '"two words"', "c": "x%20y", "empty": ""}),
          req("/r", set_cookies={"a": None, "b": None, "c": None, "empty": None}))
def _(fw: ModuleType, root: Path) -> Any:
    def view() -> str:
        c = fw.request.cookies
        return repr([c.to_dict(), c.get("a"), c.get("missing", "none"), type(c).__name__])

    return _app_with(fw, root, view)


@scenario("cookies set by one response come back on the next request", "/set", "/read")
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)

    @app.route("/set")
    def set_() -> Any:
        response = fw.make_response("set")
        response.set_cookie("flavour", "oat raisin")
        response.set_cookie("n", "1", path="/read")
        return response

    @app.route("/read")
    def read() -> str:
        return repr(fw.request.cookies.to_dict())

    return app


# -- JSON ---------------------------------------------------------------------------------------


def _json_view(fw: ModuleType) -> Any:
    def view() -> Any:
        r = fw.request
        mode = r.args.get("mode", "json")
        if mode == "json":
            return {"got": r.json, "is_json": r.is_json}
        if mode == "silent":
            return {"got": r.get_json(silent=True)}
        if mode == "force":
            return {"got": r.get_json(force=True)}
        if mode == "cache":
            first = r.get_json()
            return {"same": first is r.get_json(), "got": first}
        return {"mimetype": r.mimetype, "data": r.get_data(as_text=True)}

    return view


@scenario("JSON body: request.json, get_json, is_json, vendor +json type, charset",
          req("/r", "POST", json={"a": [1, 2.5, None, True], "b": "é"}),
          req("/r", "POST", data='{"x": 1}', content_type="application/vnd.api+json"),
          req("/r", "POST", data='{"x": 2}', content_type="application/json; charset=utf-8"),
          req("/r?mode=cache", "POST", json=[1, 2]),
          req("/r", "POST", json=None))
def _(fw: ModuleType, root: Path) -> Any:
    return _app_with(fw, root, _json_view(fw))


@scenario("malformed JSON is 400, not 500", req("/r", "POST", data="{bad json", content_type="application/json"),
          req("/r", "POST", data="", content_type="application/json"),
          req("/r", "POST", data=b"\xff\xfe", content_type="application/json"))
def _(fw: ModuleType, root: Path) -> Any:
    return _app_with(fw, root, _json_view(fw))


@scenario("JSON with the wrong content type is 415; silent gives None; force parses",
          req("/r", "POST", data='{"a": 1}', content_type="text/plain"),
          req("/r", "POST", data='{"a": 1}'),
          req("/r?mode=silent", "POST", data='{"a": 1}', content_type="text/plain"),
          req("/r?mode=silent", "POST", data="{bad", content_type="application/json"),
          req("/r?mode=force", "POST", data='{"a": 1}', content_type="text/plain"),
          req("/r?mode=force", "POST", data="nope", content_type="text/plain"))
def _(fw: ModuleType, root: Path) -> Any:
    return _app_with(fw, root, _json_view(fw))


@scenario("raw body: get_data and data for an unknown content type",
          req("/r?mode=raw", "POST", data=b"raw \x00 bytes", content_type="application/octet-stream"),
          req("/r?mode=raw", "PUT", data="plain text", content_type="text/plain; charset=utf-8"))
def _(fw: ModuleType, root: Path) -> Any:
    return _app_with(fw, root, _json_view(fw), methods=("POST", "PUT"))


# -- URLs and environ ---------------------------------------------------------------------------


def _url_parts(fw: ModuleType) -> Any:
    def view(**_: Any) -> str:
        r = fw.request
        return "\n".join(f"{name}={getattr(r, name)!r}" for name in (
            "method", "scheme", "host", "path", "full_path", "script_root", "url", "base_url",
            "url_root", "host_url", "root_url", "query_string", "is_secure", "remote_addr", "endpoint",
            "view_args", "blueprint", "access_route",
        )) + f"\nrule={r.url_rule.rule if r.url_rule else None}"

    return view


@scenario("path, url, base_url, url_root, host_url with a query string",
          "/r/x%20y?a=1&b=%C3%A9", req("/r/p", base_url="https://example.org:8443/mount/"),
          req("/r/q", environ_base={"REMOTE_ADDR": "10.1.2.3"}, headers={"X-Forwarded-For": "1.1.1.1"}))
def _(fw: ModuleType, root: Path) -> Any:
    app = make_app(fw, root)
    app.add_url_rule("/r/<word>", "word", _url_parts(fw))
    return app


@scenario("headers: case-insensitive access, user agent, content length, environ keys",
          req("/r", "POST", data="abc", headers={"X-Custom": "v1", "User-Agent": "difftest/1.0"}))
def _(fw: ModuleType, root: Path) -> Any:
    def view() -> str:
        r = fw.request
        return repr([
            r.headers.get("x-custom"), r.headers["X-CUSTOM"], r.headers.get("missing", "m"),
            r.user_agent.string, r.content_length, r.content_type, r.mimetype,
            r.environ["REQUEST_METHOD"], r.environ["PATH_INFO"], r.environ["wsgi.url_scheme"],
        ])

    return _app_with(fw, root, view)


@scenario("accept headers: best_match, quality, languages, encodings, missing header",
          req("/r", headers={
              "Accept": "text/html;q=0.8, application/json, */*;q=0.1",
              "Accept-Language": "fr-CH, fr;q=0.9, en;q=0.8",
              "Accept-Encoding": "gzip, br;q=0.5",
              "Accept-Charset": "utf-8",
          }),
          "/r")
def _(fw: ModuleType, root: Path) -> Any:
    def view() -> str:
        r = fw.request
        return repr([
            r.accept_mimetypes.best_match(["text/html", "application/json"]),
            r.accept_mimetypes.best_match(["image/png"], default="none"),
            r.accept_mimetypes["text/html"], r.accept_mimetypes.accept_json, r.accept_mimetypes.accept_html,
            r.accept_mimetypes.best, r.accept_languages.best_match(["en", "fr"]),
            r.accept_languages.best, list(r.accept_languages.values()),
            r.accept_encodings.best_match(["br", "gzip"]), r.accept_encodings["br"],
            r.accept_charsets.best, str(r.accept_mimetypes),
        ])

    return _app_with(fw, root, view)


@scenario("MAX_CONTENT_LENGTH: a larger form body is 413, a smaller one is read",
          req("/r", "POST", data={"k": "v" * 100}), req("/r", "POST", data={"k": "v"}),
          req("/r?raw=1", "POST", data="x" * 200, content_type="text/plain"))
def _(fw: ModuleType, root: Path) -> Any:
    def view() -> str:
        if fw.request.args.get("raw"):
            return str(len(fw.request.get_data()))
        return fw.request.form["k"]

    return _app_with(fw, root, view, MAX_CONTENT_LENGTH=50)


@scenario("MAX_CONTENT_LENGTH: a view that ignores the body is not rejected",
          req("/r", "POST", data={"k": "v" * 100}))
def _(fw: ModuleType, root: Path) -> Any:
    return _app_with(fw, root, lambda: "ignored body", MAX_CONTENT_LENGTH=10)


@scenario("MAX_FORM_MEMORY_SIZE: an oversized form field is 413",
          req("/r", "POST", data={"k": "v" * 100}), req("/r", "POST", data={"k": "ok"}))
def _(fw: ModuleType, root: Path) -> Any:
    return _app_with(fw, root, lambda: fw.request.form["k"], MAX_FORM_MEMORY_SIZE=20)


@scenario("a request body on a file upload larger than MAX_CONTENT_LENGTH is 413",
          req("/r", "POST", data={"f": (io.BytesIO(b"x" * 500), "big.bin")}))
def _(fw: ModuleType, root: Path) -> Any:
    return _app_with(fw, root, lambda: fw.request.files["f"].filename or "", MAX_CONTENT_LENGTH=100)


def _contexts(fw: ModuleType, app: Any) -> list[Any]:
    seen: list[Any] = [fw.has_request_context(), fw.has_app_context()]
    with app.test_request_context("/r?x=1", method="POST", data={"f": "v"}, headers={"X-A": "b"}):
        r = fw.request
        seen += [fw.has_request_context(), fw.has_app_context(), r.path, r.method, r.args["x"],
                 r.form["f"], r.headers["X-A"], fw.current_app.name, r.endpoint]
    with app.app_context():
        seen += [fw.has_request_context(), fw.has_app_context()]
        try:
            fw.request.path
        except RuntimeError as exc:
            seen.append(f"RuntimeError: {exc}".splitlines()[0])
    try:
        fw.g.x
    except RuntimeError as exc:
        seen.append(f"RuntimeError: {exc}".splitlines()[0])
    return seen


@scenario("contexts: test_request_context, app_context, has_*_context, errors outside", probe=_contexts)
def _(fw: ModuleType, root: Path) -> Any:
    return _app_with(fw, root, lambda: "r")
