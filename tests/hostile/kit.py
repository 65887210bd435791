"""What the hostile-input tests share: raw WSGI environs, a judge of answers, a tally.

The test client refuses to build some requests a real client can send (bytes that are not
UTF-8 in the path, a Content-Length that lies, a method with odd characters), so
:func:`raw_environ` builds the environ by hand, as a server such as gunicorn hands it over
(PEP 3333: the path is the raw bytes decoded as latin-1), and :func:`call` runs the app on it.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: Every request the hostile tests sent, per suite; docs/RELIABILITY.md reports the totals.
TALLY: dict[str, int] = {}


def count(suite: str, n: int = 1) -> None:
    TALLY[suite] = TALLY.get(suite, 0) + n


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


_HEADER_NAMES = {"content-type": "CONTENT_TYPE", "content-length": "CONTENT_LENGTH"}


def raw_environ(
    method: str = "GET",
    path: bytes = b"/",
    query: bytes = b"",
    headers: Mapping[str, bytes] | Iterable[tuple[str, bytes]] = (),
    body: bytes = b"",
    *,
    content_length: int | None = None,
) -> dict[str, Any]:
    """A WSGI environ as a server makes it from these raw bytes.

    ``content_length`` overrides the true body length (to send a header that lies).
    """
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path.decode("latin-1"),
        "QUERY_STRING": query.decode("latin-1"),
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "localhost",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    length = len(body) if content_length is None else content_length
    if body or content_length is not None:
        environ["CONTENT_LENGTH"] = str(length)
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    for name, value in pairs:
        key = _HEADER_NAMES.get(name.lower()) or "HTTP_" + name.upper().replace("-", "_")
        environ[key] = value.decode("latin-1")
    return environ


def call(app: Callable[..., Iterable[bytes]], environ: dict[str, Any]) -> Answer:
    """Run ``app`` on ``environ`` the way a WSGI server does, reading the whole body."""
    started: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started[:] = [status, headers]
        return lambda data: None

    iterable = app(environ, start_response)
    try:
        body = b"".join(iterable)
    finally:
        close = getattr(iterable, "close", None)
        if close is not None:
            close()
    status, headers = started
    return Answer(int(status.split(" ", 1)[0]), list(headers), body)


@dataclass
class Verdict:
    """Cases that broke a rule, with what happened; empty when all went well."""

    failures: list[str] = field(default_factory=list)

    def check(self, case: str, answer: Answer, allowed: Iterable[int] | None = None) -> None:
        """No 5xx, headers a server may send, and (if given) one of the ``allowed`` statuses."""
        problem = judge(answer)
        if problem is None and allowed is not None and answer.status not in set(allowed):
            problem = f"status {answer.status}, expected one of {sorted(set(allowed))}"
        if problem is not None:
            self.failures.append(f"{case}: {problem}")


def judge(answer: Answer) -> str | None:
    """What is wrong with ``answer`` whatever the request was, or None."""
    if answer.status >= 500:
        return f"status {answer.status}: {answer.body[:300]!r}"
    if not 100 <= answer.status < 600:
        return f"impossible status {answer.status}"
    for name, value in answer.headers:
        # A CR or LF in a header would let the input write headers (or a body) of its own.
        if any(char in name + value for char in "\r\n\0"):
            return f"header {name!r} carries a control character: {value!r}"
        try:
            (name + value).encode("latin-1")
        except UnicodeEncodeError:
            return f"header {name!r} cannot be sent as latin-1: {value!r}"
    if b"Traceback (most recent call last)" in answer.body:
        return "the body shows a traceback"
    return None
