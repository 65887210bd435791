"""The five benchmark scenarios, and how to send one of them to a WSGI app.

A scenario is one request (method, path, body) plus what its answer must be. The apps that
answer it live in :mod:`bench.apps`, once per framework; everything here is shared so that
the frameworks are driven by byte-for-byte the same requests.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from werkzeug.test import EnvironBuilder

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

SESSION_COOKIE = "session"
SECRET_KEY = "bench-secret-key-not-for-production"

# S3's data: built once, rendered on every request. Names carry characters that must be
# escaped so that a framework which forgot autoescaping would answer a different body.
PAGE_ITEMS: list[dict[str, Any]] = [
    {
        "id": i,
        "name": f"Item {i} <{i % 7}> & co" if i % 5 == 0 else f"Item {i}",
        "price": i * 1.25,
        "tags": [f"t{i % 3}", f"t{i % 4}"] if i % 2 else [],
    }
    for i in range(1, 31)
]
PAGE_TITLE = "Thirty items"

# S5's request body: small, nested, with keys out of order (the answer sorts them).
ECHO_PAYLOAD: dict[str, Any] = {
    "user": "alice",
    "text": "Hello, <World> & \u00e9t\u00e9!",
    "tags": ["a", "b", "c"],
    "reply_to": None,
    "count": 3,
}


@dataclass(frozen=True)
class Scenario:
    """One benchmark request: what is sent, and what it exercises."""

    name: str
    title: str
    method: str
    path: str
    body: bytes = b""
    content_type: str | None = None
    uses_session: bool = False

    def request_bytes(self, host: str, cookie: str | None = None) -> bytes:
        """The raw HTTP/1.1 request, for clients that speak to a real server."""
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}", "Connection: close"]
        if self.content_type:
            lines.append(f"Content-Type: {self.content_type}")
        if self.body or self.method == "POST":
            lines.append(f"Content-Length: {len(self.body)}")
        if cookie:
            lines.append(f"Cookie: {SESSION_COOKIE}={cookie}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("S1", 'GET / -> "Hello, World!"', "GET", "/"),
        Scenario(
            "S2", "GET /user/<name>/post/<int:id> among 20 routes", "GET", "/user/alice/post/42"
        ),
        Scenario(
            "S3", "GET /page: a template extending a base, looping over 30 items", "GET", "/page"
        ),
        Scenario(
            "S4",
            "GET /count: counter in the signed session, incremented and written back",
            "GET",
            "/count",
            uses_session=True,
        ),
        Scenario(
            "S5",
            "POST /api/echo with a small JSON body -> JSON",
            "POST",
            "/api/echo",
            body=json.dumps(ECHO_PAYLOAD).encode(),
            content_type="application/json",
        ),
    )
}


def select(names: str | Iterable[str] | None) -> list[Scenario]:
    """Scenarios by name (``"S1,S3"`` or an iterable); all of them for ``None``.

    Raises ``ValueError`` naming the unknown ones, so a typo on the command line is a clear
    error and not an empty run.
    """
    if names is None:
        return list(SCENARIOS.values())
    if isinstance(names, str):
        names = [n for n in names.split(",") if n.strip()]
    wanted = [n.strip().upper() for n in names]
    unknown = [n for n in wanted if n not in SCENARIOS]
    if unknown:
        raise ValueError(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
    return [SCENARIOS[n] for n in wanted]


def make_environ(
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    content_type: str | None = None,
) -> dict[str, Any]:
    """A WSGI environ for one request, to be copied for each call (see :func:`call`)."""
    builder = EnvironBuilder(
        path=path, method=method, data=body or None, content_type=content_type, headers=headers
    )
    try:
        environ = builder.get_environ()
    finally:
        builder.close()
    # The body is given afresh to every call; the template must not hold a used stream.
    environ.pop("wsgi.input", None)
    return environ


def base_environ(scenario: Scenario, cookie: str | None = None) -> dict[str, Any]:
    """A WSGI environ for the scenario, to be copied for each call (see :func:`call`)."""
    headers = {"Cookie": f"{SESSION_COOKIE}={cookie}"} if cookie else {}
    return make_environ(scenario.method, scenario.path, scenario.body, headers, scenario.content_type)


@dataclass
class Answer:
    """What a WSGI app answered: enough to compare frameworks and to read cookies."""

    status: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    def cookie(self, name: str = SESSION_COOKIE) -> str | None:
        """The value the answer sets for cookie ``name``, if it sets one."""
        for key, value in self.headers:
            if key.lower() == "set-cookie" and value.startswith(f"{name}="):
                return value.split(";", 1)[0][len(name) + 1 :]
        return None


def call(app: WSGIApp, environ: Mapping[str, Any], body: bytes = b"") -> Answer:
    """Call ``app`` once with a fresh copy of ``environ`` and a fresh input stream."""
    env = dict(environ)
    env["wsgi.input"] = BytesIO(body)
    started: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started[:] = [status, headers]
        return lambda data: None

    result = app(env, start_response)
    try:
        data = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return Answer(started[0], list(started[1]), data)
