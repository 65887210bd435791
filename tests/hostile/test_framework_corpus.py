"""Hostile input against the framework: a corpus of crafted requests, each with its answer.

Every request goes to :mod:`tests.hostile.framework_app` as a raw WSGI environ (see
:mod:`tests.hostile.kit`), so bytes the test client would refuse reach the app as a server
would hand them over. Every case must get a 4xx or a correct 2xx/3xx, never a 5xx, no header
with a control character, no traceback in the body.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from base64 import urlsafe_b64encode
from pathlib import Path
from typing import Any

import pytest
from itsdangerous import URLSafeTimedSerializer

from wsgi_stack.sessions import SecureCookieSessionInterface

from .framework_app import BODY_LIMIT, create_app
from .kit import Answer, call, count, judge, raw_environ

FORM = {"Content-Type": b"application/x-www-form-urlencoded"}
JSON = {"Content-Type": b"application/json"}

#: (case id, raw_environ arguments, allowed statuses or None for "anything but 5xx")
CASES: list[tuple[str, dict[str, Any], set[int] | None]] = [
    # -- paths: bytes that are not UTF-8, percent garbage, traversal, length
    ("path-not-utf8", {"path": b"/name/\xff\xfe"}, {200}),
    ("path-percent-garbage", {"path": b"/name/%zz%"}, {200}),
    ("path-percent-not-utf8", {"path": b"/name/%ff%c0%af"}, {200}),
    ("path-nul", {"path": b"/name/a%00b"}, {200}),
    ("path-crlf", {"path": b"/name/a%0d%0aSet-Cookie:x=1"}, {200}),
    ("path-raw-nul", {"path": b"/name/a\x00b"}, {200, 404}),
    ("path-very-long", {"path": b"/name/" + b"a" * 60_000}, {200, 404, 414}),
    ("path-many-slashes", {"path": b"/" * 5000}, {200, 308, 404}),
    ("path-unknown-not-utf8", {"path": b"/\xc3\x28/\xa0\xa1"}, {404}),
    ("path-dot-segments", {"path": b"/name/../../etc/passwd"}, {404}),
    # -- converters that do not match
    ("int-letters", {"path": b"/int/abc"}, {404}),
    ("int-negative", {"path": b"/int/-1"}, {404}),
    ("int-huge", {"path": b"/int/" + b"9" * 5000}, {200, 404}),
    # Werkzeug's int converter takes any Unicode digit (as Flask): 200 "int 3" is its answer.
    ("int-arabic-digits", {"path": "/int/\u0663".encode()}, {200, 404}),
    ("float-inf", {"path": b"/float/1e999"}, {404}),
    ("float-nan", {"path": b"/float/nan"}, {404}),
    ("uuid-bad", {"path": b"/uuid/not-a-uuid"}, {404}),
    ("uuid-not-utf8", {"path": b"/uuid/\xff" * 36}, {404}),
    ("any-other", {"path": b"/any/blue"}, {404}),
    # -- query strings
    ("query-percent-garbage", {"path": b"/search", "query": b"page=%zz&tag=%&q=%%%"}, {200}),
    ("query-percent-not-utf8", {"path": b"/search", "query": b"q=%ff%fe&tag=%c0%af"}, {200}),
    ("query-type-mismatch", {"path": b"/search", "query": b"page=abc&page=1e999"}, {200}),
    ("query-many-params", {"path": b"/search", "query": b"&".join([b"tag=x"] * 5000)}, {200}),
    ("query-no-equals", {"path": b"/search", "query": b"&&&=&==&tag"}, {200}),
    ("query-url-for-crlf", {"path": b"/name/x", "query": b"q=%0d%0a%00"}, {200}),
    # Raw (unencoded) bytes that are not UTF-8: a browser never sends them, a script may.
    ("query-raw-not-utf8", {"path": b"/search", "query": b"q=\xff\xfe"}, {200, 400}),
    # -- methods
    ("method-put-on-get", {"method": "PUT", "path": b"/search"}, {405}),
    ("method-unknown", {"method": "PROPFIND", "path": b"/search"}, {405}),
    ("method-garbage", {"method": "G\xe9T", "path": b"/search"}, {405}),
    ("method-empty", {"method": "", "path": b"/search"}, {405, 400}),
    ("method-trace", {"method": "TRACE", "path": b"/int/1"}, {405}),
    ("method-options", {"method": "OPTIONS", "path": b"/search"}, {200}),
    # -- bodies: size, framing, encodings
    ("body-over-limit", {"method": "POST", "path": b"/form", "headers": FORM,
                         "body": b"a=" + b"x" * (BODY_LIMIT * 4)}, {413}),
    ("body-length-lies-high", {"method": "POST", "path": b"/form", "headers": FORM,
                               "body": b"a=1", "content_length": 10 * BODY_LIMIT}, {413}),
    ("body-length-lies-low", {"method": "POST", "path": b"/form", "headers": FORM,
                              "body": b"a=1&b=2&c=3", "content_length": 3}, {200}),
    ("body-length-negative", {"method": "POST", "path": b"/form", "headers": FORM,
                              "body": b"a=1", "content_length": -5}, {200, 400}),
    ("form-not-utf8", {"method": "POST", "path": b"/form", "headers": FORM,
                       "body": b"a=\xff\xfe&b=%ff%c0&%zz=%"}, {200}),
    ("multipart-no-boundary", {"method": "POST", "path": b"/form",
                               "headers": {"Content-Type": b"multipart/form-data"},
                               "body": b"--x\r\n"}, {200, 400}),
    ("multipart-truncated", {"method": "POST", "path": b"/form",
                             "headers": {"Content-Type": b"multipart/form-data; boundary=x"},
                             "body": b'--x\r\nContent-Disposition: form-data; name="upload"; '
                                     b'filename="a.txt"\r\n\r\nhalf a file'}, {200, 400}),
    ("multipart-garbage", {"method": "POST", "path": b"/form",
                           "headers": {"Content-Type": b"multipart/form-data; boundary=\xff"},
                           "body": b"\x00\x01garbage\xff"}, {200, 400}),
    ("multipart-too-many-parts", {"method": "POST", "path": b"/form",
                                  "headers": {"Content-Type": b"multipart/form-data; boundary=b"},
                                  "body": b"".join(b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n\r\n'
                                                   for _ in range(20)) + b"--b--\r\n"}, {200, 413}),
    ("content-type-garbage", {"method": "POST", "path": b"/form",
                              "headers": {"Content-Type": b";;;\xff=\x00"}, "body": b"a=1"}, {200, 400}),
    # -- JSON
    ("json-invalid", {"method": "POST", "path": b"/json", "headers": JSON, "body": b"{'a': 1,"}, {400}),
    ("json-not-utf8", {"method": "POST", "path": b"/json", "headers": JSON, "body": b'{"a": "\xff"}'}, {400}),
    ("json-empty", {"method": "POST", "path": b"/json", "headers": JSON, "body": b""}, {400}),
    ("json-deep", {"method": "POST", "path": b"/json", "headers": JSON, "body": b"[" * 500 + b"]" * 500}, {200, 400}),
    ("json-too-deep-for-limit", {"method": "POST", "path": b"/json", "headers": JSON,
                                 "body": b"[" * 100_000}, {413}),
    ("json-wrong-type", {"method": "POST", "path": b"/json", "headers": {"Content-Type": b"text/plain"},
                         "body": b'{"a": 1}'}, {415}),
    ("json-silent-invalid", {"method": "POST", "path": b"/json-silent", "headers": JSON, "body": b"nope"}, {200}),
    ("json-lone-surrogate", {"method": "POST", "path": b"/json", "headers": JSON, "body": b'"\\ud800"'}, {200}),
    # -- cookies
    ("cookie-garbage", {"headers": {"Cookie": b"session=abc"}}, {200}),
    ("cookie-not-utf8", {"headers": {"Cookie": b"session=\xff\xfe; other=\xc3\x28"}}, {200}),
    ("cookie-oversized", {"headers": {"Cookie": b"session=" + b"x" * 100_000}}, {200, 400, 431}),
    ("cookie-syntax", {"headers": {"Cookie": b'=;;;==; session; "\\377"; a="b'}}, {200}),
    ("cookie-many", {"headers": {"Cookie": b"; ".join(b"c%d=v" % i for i in range(3000))}}, {200}),
    # -- other headers the framework parses
    ("accept-garbage", {"path": b"/headers", "headers": {"Accept": b"\xff;q=abc, */*;q=nan, a/b;q=1e999",
                                                         "Accept-Language": b";;q=,\xff",
                                                         "User-Agent": b"\x00\xff"}}, {200}),
    ("host-garbage", {"path": b"/name/x", "headers": {"Host": b"\xff:99999999"}}, {200, 400}),
    # -- static files and send_from_directory: traversal
    ("static-traversal", {"path": b"/static/../kit.py"}, {404}),
    ("static-traversal-encoded", {"path": b"/static/..%2fkit.py"}, {404}),
    ("static-traversal-dots", {"path": b"/static/%2e%2e/%2e%2e/server.py"}, {404}),
    ("static-absolute", {"path": b"/static//etc/passwd"}, {308, 404}),
    ("static-backslash", {"path": b"/static/..\\kit.py"}, {404}),
    ("static-nul", {"path": b"/static/site.css%00.py"}, {404}),
    ("files-traversal", {"path": b"/files/../framework_app.py"}, {404}),
    ("files-traversal-encoded", {"path": b"/files/..%2f..%2fconftest.py"}, {404}),
    ("files-not-utf8", {"path": b"/files/\xff.css"}, {404}),
    ("static-ok", {"path": b"/static/site.css"}, {200}),
    # -- redirects built from input
    ("redirect-offsite", {"path": b"/go", "query": b"next=//evil.example/"}, {302}),
    ("redirect-not-utf8", {"path": b"/go", "query": b"next=%ff%fe"}, {302}),
    ("redirect-crlf", {"path": b"/go", "query": b"next=%0d%0aSet-Cookie:%20evil=1"}, {302, 400}),
    ("redirect-crlf-after-url", {"path": b"/go", "query": b"next=http://x/%0d%0aX-Evil:%201"}, {302, 400}),
    ("redirect-nul", {"path": b"/go", "query": b"next=/a%00b"}, {302, 400}),
]

#: Cases where wsgi_stack (like Flask 3.1.3 on Werkzeug 3.1.3) answers 500: reported, and
#: strict, so the fix makes these tests fail until the mark is removed.
#: Inputs that once got a 500; kept empty as a place to record one while it is being fixed
#: (the test then becomes a strict xfail). Fixed: raw non-UTF-8 query strings, <int> of
#: over 4,300 digits, redirect() to a target with CR/LF.
KNOWN_500: dict[str, str] = {}


@pytest.fixture(scope="module")
def app() -> Any:
    return create_app()


def _params() -> list[Any]:
    params = []
    for case_id, arguments, allowed in CASES:
        marks = []
        if case_id in KNOWN_500:
            marks.append(pytest.mark.xfail(reason=KNOWN_500[case_id], strict=True))
        params.append(pytest.param(arguments, allowed, id=case_id, marks=marks))
    return params


@pytest.mark.parametrize(("arguments", "allowed"), _params())
def test_hostile_request_gets_a_clear_answer(app: Any, arguments: dict[str, Any], allowed: set[int] | None) -> None:
    count("framework corpus")
    answer = call(app, raw_environ(**arguments))
    assert judge(answer) is None, judge(answer)
    if allowed is not None:
        assert answer.status in allowed, (answer.status, answer.body[:300])


def test_unknown_method_names_the_allowed_ones(app: Any) -> None:
    count("framework corpus")
    answer = call(app, raw_environ("DELETE", b"/name/x"))
    assert answer.status == 405
    assert set((answer.header("Allow") or "").replace(" ", "").split(",")) == {"GET", "PUT", "HEAD", "OPTIONS"}


def test_traversal_never_serves_a_file_outside_the_folder(app: Any) -> None:
    marker = (Path(app.root_path) / "kit.py").read_bytes()[:60]
    for path in (b"/static/../kit.py", b"/files/%2e%2e/kit.py", b"/files/..%5ckit.py", b"/static/.%2e/kit.py"):
        count("framework corpus")
        answer = call(app, raw_environ(path=path))
        assert marker not in answer.body, path


def test_redirect_never_lets_the_target_write_headers(app: Any) -> None:
    for query in (b"next=/ok%0d%0aSet-Cookie:%20evil=1", b"next=%E5%98%8A%E5%98%8DSet-Cookie:evil=1"):
        count("framework corpus")
        answer = call(app, raw_environ(path=b"/go", query=query))
        assert not any(name.lower() == "set-cookie" and "evil" in value for name, value in answer.headers)
        assert all("\r" not in v and "\n" not in v for _, v in answer.headers)


def _cookie(app: Any, payload: bytes, *, compress: bool = False) -> bytes:
    """A session cookie carrying ``payload`` as is, signed with the app's real key.

    Signed with itsdangerous, Flask's signer, whose format wsgi_stack reads (the
    differential tests check that both ways): so the payload needs no valid JSON.
    """
    signer = URLSafeTimedSerializer(
        app.secret_key, salt="cookie-session",
        signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
    ).make_signer("cookie-session")
    body = urlsafe_b64encode(zlib.compress(payload) if compress else payload).rstrip(b"=")
    return signer.sign((b"." if compress else b"") + body)


def _session_cookie(app: Any, value: Any) -> bytes:
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    return b"session=" + serializer.dumps(value).encode()


def _flip_first_signature_character(cookie: bytes) -> bytes:
    # The first character, not the last: the last base64 character of a 20-byte digest carries
    # 2 padding bits, which a decoding check (itsdangerous's, and so Flask's and ours) ignores;
    # changing only those would leave a valid signature 1 time in 16.
    signed, _, signature = cookie.rpartition(b".")
    first = b"A" if signature[:1] != b"A" else b"B"
    return signed + b"." + first + signature[1:]


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(_flip_first_signature_character, id="signature-flipped"),
        pytest.param(lambda c: c[: len(c) // 2], id="truncated"),
        pytest.param(lambda c: c.replace(b".", b"", 1), id="separator-dropped"),
        pytest.param(lambda c: c + b"." + c, id="doubled"),
        pytest.param(lambda c: c.upper(), id="upper-cased"),
        pytest.param(lambda c: b"." + c, id="claims-compressed"),
        pytest.param(lambda c: c.replace(c.split(b".")[0], b"eyJ2aXNpdHMiOjk5OX0", 1), id="payload-swapped"),
    ],
)
def test_tampered_session_cookie_is_an_empty_session(app: Any, tamper: Any) -> None:
    count("framework corpus")
    good = _session_cookie(app, {"visits": 7}).split(b"=", 1)[1]
    answer = call(app, raw_environ(headers={"Cookie": b"session=" + tamper(good)}))
    assert judge(answer) is None
    assert answer.status == 200 and json.loads(answer.body)["visits"] == 0


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b"[1, 2]", id="a-list"),
        pytest.param(b'"a string"', id="a-string"),
        pytest.param(b"not json", id="not-json"),
        pytest.param(b'{"visits": "many"}', id="odd-types"),
        pytest.param(b'{"_flashes": "abc"}', id="flashes-not-pairs"),
        pytest.param(b'{" t": ["x", 1]}', id="unknown-tag"),
        pytest.param(b'{"_flashes": [[1, 2, 3]]}', id="flash-shape"),
        pytest.param(b"\xff\xfe", id="not-utf8"),
    ],
)
def test_validly_signed_but_malformed_session_gets_no_500(app: Any, payload: bytes) -> None:
    """Only the key holder can make these; the app must still not fall over."""
    count("framework corpus")
    cookie = b"session=" + _cookie(app, payload)
    answer = call(app, raw_environ(headers={"Cookie": cookie}))
    assert judge(answer) is None, judge(answer)


def test_compressed_session_bomb_is_refused(app: Any) -> None:
    """A signed cookie that inflates to megabytes: refused or read, but never a 500."""
    count("framework corpus")
    payload = b'{"visits": 1, "pad": "' + b"a" * 5_000_000 + b'"}'
    cookie = b"session=" + _cookie(app, payload, compress=True)
    assert len(cookie) < 20_000
    answer = call(app, raw_environ(headers={"Cookie": cookie}))
    assert judge(answer) is None


def test_session_round_trip_survives_hostile_flash_text(app: Any) -> None:
    """Markup, CR/LF and non-BMP text in the session come back exactly, escaped in JSON."""
    note = "<script>alert(1)</script>\r\nSet-Cookie: x=1 \U0001f40d \x00"
    count("framework corpus", 2)
    client = app.test_client()
    assert client.post("/visit", data={"note": note}).status_code == 302
    body = client.get("/").get_json()
    assert body == {"visits": 1, "flashes": [note]}


def test_answer_judge_catches_what_it_should() -> None:
    """The judge itself must be able to fail."""
    assert judge(Answer(500, [], b"")) is not None
    assert judge(Answer(200, [("Location", "/a\r\nX: y")], b"")) is not None
    assert judge(Answer(200, [], b"Traceback (most recent call last):")) is not None
    assert judge(Answer(302, [("Location", "/ok")], b"")) is None
