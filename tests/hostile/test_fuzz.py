"""Hypothesis-driven hostile input: random requests against the framework app and twitapp.

Methods, paths (raw bytes and percent-encoded text), query strings, cookies, content types,
Accept headers and bodies are drawn at random, biased towards the routes and field names the
apps know, so that most requests get past routing into the views. Every answer must be a 4xx
or a 2xx/3xx with clean headers (see :func:`tests.hostile.kit.judge`); after the twitapp run
the database must be consistent.

Inputs that once got a 500 (raw non-UTF-8 query strings, redirect targets with CR/LF) are
fixed and stay in the drawn space, so a regression shows up here too.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from twitapp import db

from .framework_app import create_app
from .kit import call, count, judge, raw_environ
from .twitapp_kit import consistency_problems, csrf_token, hostile_twitapp, session_cookie, signed_in

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

METHODS = st.one_of(st.just("GET"), st.just("POST"), st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "PROPFIND", "G\xe9T"]))
FORM_TYPE = st.just(b"application/x-www-form-urlencoded")
CONTENT_TYPES = st.one_of(
    FORM_TYPE, FORM_TYPE,
    st.sampled_from([b"application/x-www-form-urlencoded", b"application/json", b"text/plain",
                     b"multipart/form-data", b"multipart/form-data; boundary=b", b""]),
    st.binary(max_size=40),
)
HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["' OR 1=1 --", "<script>alert(1)</script>", "\r\nX: y", "%00", "..", "../..",
                     "{{ 7*7 }}", "\ud7ff\ue000", "\U0001f40d", "9" * 30, "-1", "nan", "%ff%fe"]),
)


def _segment(known: list[str]) -> st.SearchStrategy[bytes]:
    names = st.sampled_from([k.encode() for k in known])
    return st.one_of(
        names, names, names,
        HOSTILE_TEXT.map(lambda text: quote(text, safe="").encode()),
        st.binary(max_size=12),
    )


def _path(shapes: list[str], known: list[str]) -> st.SearchStrategy[bytes]:
    """Mostly a route of the app with ``{}`` filled by a hostile segment; sometimes anything."""
    routed = st.tuples(st.sampled_from(shapes), _segment(known)).map(
        lambda pair: pair[0].encode().replace(b"{}", pair[1]))
    anything = st.lists(_segment(known), max_size=4).map(lambda parts: b"/" + b"/".join(parts))
    return st.one_of(routed, routed, routed, anything)


def _query(fields: list[str]) -> st.SearchStrategy[bytes]:
    pairs = st.lists(st.tuples(st.sampled_from(fields) | st.text(max_size=8), HOSTILE_TEXT), max_size=4)
    encoded = pairs.map(lambda p: urlencode(p).encode())
    raw_text = st.text(max_size=40).map(lambda text: text.encode())  # unencoded UTF-8, as some clients send
    return st.one_of(encoded, encoded, encoded, raw_text, st.binary(max_size=40))


def _body(fields: list[str]) -> st.SearchStrategy[bytes]:
    form = st.dictionaries(st.sampled_from(fields), HOSTILE_TEXT, max_size=5)
    return st.one_of(form.map(lambda d: urlencode(d).encode()), st.binary(max_size=300),
                     st.sampled_from([b"{", b'{"a": [1, 2]}', b"[" * 300, b"--b\r\n\r\n"]))


# --------------------------------------------------------------------------- framework

FRAMEWORK_ROUTES = ["int", "float", "uuid", "path", "any", "name", "json", "json-silent", "form",
                    "search", "go", "files", "cookie", "headers", "static", "visit", "site.css",
                    "red", "12", "1.5", "12345678-1234-5678-1234-567812345678"]
FRAMEWORK_SHAPES = ["/", "/visit", "/int/{}", "/float/{}", "/uuid/{}", "/path/{}/{}", "/any/{}",
                    "/name/{}", "/json", "/json-silent", "/form", "/search", "/go", "/files/{}",
                    "/cookie", "/headers", "/static/{}"]
FRAMEWORK_FIELDS = ["note", "upload", "page", "tag", "q", "next", "a"]


@pytest.fixture(scope="module")
def framework() -> Any:
    return create_app()


@FUZZ
@given(method=METHODS, path=_path(FRAMEWORK_SHAPES, FRAMEWORK_ROUTES), query=_query(FRAMEWORK_FIELDS),
       content_type=CONTENT_TYPES, cookie=st.binary(max_size=80), accept=st.binary(max_size=30),
       body=_body(FRAMEWORK_FIELDS))
def test_framework_never_answers_5xx(framework: Any, method: str, path: bytes, query: bytes,
                                     content_type: bytes, cookie: bytes, accept: bytes, body: bytes) -> None:
    environ = raw_environ(method, path, query, {"Content-Type": content_type, "Cookie": cookie,
                                                "Accept": accept}, body)
    count("framework fuzz")
    answer = call(framework, environ)
    event(f"{method} {answer.status}")
    assert judge(answer) is None, judge(answer)


# --------------------------------------------------------------------------- twitapp

TWITAPP_ROUTES = ["alice", "bob", "alice", "bob", "", "public", "login", "register", "logout", "add_message", "static", "style.css",
                  "alice", "bob", "follow", "unfollow"]
TWITAPP_SHAPES = ["/", "/public", "/login", "/register", "/logout", "/add_message", "/{}", "/{}/follow",
                  "/{}/unfollow", "/static/{}"]
TWITAPP_FIELDS = ["username", "password", "password2", "email", "text", "csrf_token", "before"]


@dataclass
class Site:
    app: Any
    db_path: Path
    #: who -> (session cookie, CSRF token). Sessions are signed cookies: they stay valid
    #: whatever a request does with them (a logout included).
    sessions: dict[str, tuple[bytes, str]]


@pytest.fixture(scope="module")
def twitapp_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    path = tmp_path_factory.mktemp("fuzz") / "twitapp.sqlite"
    app = hostile_twitapp(path)
    signed_in(app, "bob")
    alice, token = signed_in(app, "alice")
    visitor = app.test_client()
    visitor_token = csrf_token(visitor, "/login")
    yield Site(app, path, {"alice": (session_cookie(alice), token),
                           "visitor": (session_cookie(visitor), visitor_token)})
    assert consistency_problems(path) == []
    db.close_thread_connections()


@FUZZ
@given(method=st.one_of(st.just("GET"), st.just("POST"), st.just("POST"), METHODS),
       path=_path(TWITAPP_SHAPES, TWITAPP_ROUTES), query=_query(TWITAPP_FIELDS),
       content_type=CONTENT_TYPES, who=st.sampled_from(["alice", "alice", "anonymous", "tampered", "garbage"]),
       with_token=st.sampled_from([True, True, False]), json=st.booleans(), form=st.dictionaries(
           st.sampled_from(TWITAPP_FIELDS), HOSTILE_TEXT, max_size=5), raw=st.none() | st.binary(max_size=200))
def test_twitapp_never_answers_5xx(twitapp_site: Site, method: str, path: bytes,
                                   query: bytes, content_type: bytes, who: str, with_token: bool,
                                   json: bool, form: dict[str, str], raw: bytes | None) -> None:
    app, db_path = twitapp_site.app, twitapp_site.db_path
    cookie, token = twitapp_site.sessions["alice"]
    cookies = {"anonymous": b"", "alice": cookie, "tampered": cookie[:-3] + b"xyz",
               "garbage": b"session=" + (raw or b"\xff")[:40]}
    if with_token:
        form = {**form, "csrf_token": token}
    body = raw if raw is not None and not with_token else urlencode(form).encode()
    if with_token:
        content_type = b"application/x-www-form-urlencoded"  # get past the CSRF check, into the views
    headers = {"Cookie": cookies[who], "Content-Type": content_type,
               "Accept": b"application/json" if json else b"text/html"}
    environ = raw_environ(method, path, query, headers, body)
    count("twitapp fuzz")
    answer = call(app, environ)
    event(f"{method} {answer.status}")
    assert judge(answer) is None, judge(answer)
    assert consistency_problems(db_path) == []


@FUZZ
@given(route=st.sampled_from(["/add_message", "/add_message", "/register", "/login", "/logout",
                              "/bob/follow", "/bob/unfollow", "/{}/follow", "/{}/unfollow"]),
       segment=HOSTILE_TEXT, who=st.sampled_from(["alice", "visitor"]), json=st.booleans(),
       fields=st.dictionaries(st.sampled_from(["username", "password", "password2", "email", "text"]),
                              HOSTILE_TEXT, max_size=5))
def test_twitapp_forms_with_a_valid_token_never_answer_5xx(
    twitapp_site: Site, route: str, segment: str, who: str, json: bool,
    fields: dict[str, str],
) -> None:
    """Past the CSRF check: every view gets random field values, and a post is stored as sent."""
    app, db_path = twitapp_site.app, twitapp_site.db_path
    cookie, token = twitapp_site.sessions[who]
    path = route.replace("{}", quote(segment, safe="")).encode()
    body = urlencode({**fields, "csrf_token": token}).encode()
    headers = {"Cookie": cookie, "Content-Type": b"application/x-www-form-urlencoded",
               "Accept": b"application/json" if json else b"text/html"}
    count("twitapp fuzz")
    answer = call(app, raw_environ("POST", path, b"", headers, body))
    event(f"{route} {answer.status}")
    assert judge(answer) is None, judge(answer)
    if route == "/add_message" and answer.status == 302:
        text = fields["text"].replace("\r\n", "\n")
        with sqlite3.connect(db_path) as conn:
            (stored,) = conn.execute("SELECT COUNT(*) FROM message WHERE text = ?", (text,)).fetchone()
        assert stored >= 1, f"acknowledged post {text!r} is not stored as sent"
