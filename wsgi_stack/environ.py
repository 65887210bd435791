"""The WSGI environ as explained data.

A WSGI server hands the application one dict, the *environ*: the CGI variables of the
request (method, path, query string, ...), its HTTP headers as ``HTTP_*`` keys, and the
``wsgi.*`` keys the server adds (PEP 3333). :func:`describe_environ` groups those keys and
says in one line what each one means; the inspector page and ``python -m wsgi_stack
environ`` print it. Nothing here parses a request: that is Werkzeug's job, one layer up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: The CGI variables PEP 3333 requires or allows, each with what it means.
CGI_KEYS: dict[str, str] = {
    "REQUEST_METHOD": "The HTTP method: GET, POST, ...",
    "SCRIPT_NAME": "Where the application is mounted: the path prefix that routed the request here.",
    "PATH_INFO": "The rest of the path, below SCRIPT_NAME: what the URL map matches against.",
    "QUERY_STRING": "Everything after '?' in the URL, still percent-encoded.",
    "CONTENT_TYPE": "The media type of the request body (the Content-Type header).",
    "CONTENT_LENGTH": "The size of the request body in bytes (the Content-Length header).",
    "SERVER_NAME": "The server's host name, used to rebuild the URL when there is no Host header.",
    "SERVER_PORT": "The port the server listens on.",
    "SERVER_PROTOCOL": "The HTTP version the client spoke: HTTP/1.0, HTTP/1.1, ...",
    "REMOTE_ADDR": "The address of the client (or of the last proxy in front of this server).",
    "REMOTE_PORT": "The client's port.",
    "REMOTE_USER": "The user name, when the server did the authentication.",
    "REQUEST_URI": "The raw request target as sent, when the server passes it on (not standard).",
    "RAW_URI": "The raw request target as sent (gunicorn's name for it).",
}

#: The keys PEP 3333 puts under ``wsgi.``, each with what it means.
WSGI_KEYS: dict[str, str] = {
    "wsgi.version": "The WSGI version the server implements, as a tuple: (1, 0).",
    "wsgi.url_scheme": "'http' or 'https': the scheme the request came in on.",
    "wsgi.input": "A file-like object to read the request body from.",
    "wsgi.errors": "A text stream for error output, usually the server's log.",
    "wsgi.multithread": "True when other threads of this process may run the app at the same time.",
    "wsgi.multiprocess": "True when other processes may run the app at the same time.",
    "wsgi.run_once": "True when the process handles one request only (CGI-like servers).",
    "wsgi.file_wrapper": "The server's fast path for sending a file as the response body.",
    "wsgi.input_terminated": "True when wsgi.input signals the end of a chunked body itself.",
}

#: A few HTTP headers worth a word of their own; any other is described generically.
HEADER_MEANINGS: dict[str, str] = {
    "HTTP_HOST": "The Host header: the host (and port) the client asked for.",
    "HTTP_USER_AGENT": "The client software.",
    "HTTP_ACCEPT": "The media types the client prefers in the answer (content negotiation).",
    "HTTP_ACCEPT_LANGUAGE": "The languages the client prefers.",
    "HTTP_ACCEPT_ENCODING": "The compressions the client can decode.",
    "HTTP_COOKIE": "The cookies the client sends back, the session cookie among them.",
    "HTTP_REFERER": "The page that linked here.",
    "HTTP_AUTHORIZATION": "Credentials for HTTP authentication.",
    "HTTP_X_FORWARDED_FOR": "The client chain as reported by proxies (trust only behind your own proxy).",
    "HTTP_X_FORWARDED_PROTO": "The scheme the client used, as reported by a proxy.",
    "HTTP_ORIGIN": "The origin of a cross-site or scripted request.",
    "HTTP_CONTENT_TYPE": "A Content-Type sent as a header line (servers normally move it to CONTENT_TYPE).",
}


@dataclass(frozen=True)
class EnvironEntry:
    """One environ key, its value and what it means."""

    key: str
    value: Any
    meaning: str


@dataclass(frozen=True)
class EnvironGroups:
    """The environ split into the three groups PEP 3333 defines, plus the rest."""

    cgi: list[EnvironEntry]
    headers: list[EnvironEntry]
    wsgi: list[EnvironEntry]
    server: list[EnvironEntry]

    def as_dict(self) -> dict[str, list[dict[str, Any]]]:
        return {
            name: [{"key": e.key, "value": e.value, "meaning": e.meaning} for e in entries]
            for name, entries in (
                ("cgi", self.cgi),
                ("headers", self.headers),
                ("wsgi", self.wsgi),
                ("server", self.server),
            )
        }


def header_name(key: str) -> str:
    """``HTTP_ACCEPT_LANGUAGE`` -> ``Accept-Language``."""
    return "-".join(part.capitalize() for part in key[5:].split("_"))


def describe_environ(environ: Mapping[str, Any]) -> EnvironGroups:
    """Group and explain every key of ``environ``.

    CGI keys come in PEP 3333's order and appear even when missing (as ``None``, which
    is itself worth seeing: an empty QUERY_STRING and a missing one differ); headers and
    server-specific keys come sorted.
    """
    cgi = [
        EnvironEntry(key, environ.get(key), meaning)
        for key, meaning in CGI_KEYS.items()
        if key in environ or key in _REQUIRED_CGI
    ]
    headers = [
        EnvironEntry(
            key,
            environ[key],
            HEADER_MEANINGS.get(key, f"The {header_name(key)} request header."),
        )
        for key in sorted(k for k in environ if k.startswith("HTTP_"))
    ]
    wsgi = [
        EnvironEntry(key, environ.get(key), meaning)
        for key, meaning in WSGI_KEYS.items()
        if key in environ or key in _REQUIRED_WSGI
    ]
    known = set(CGI_KEYS) | set(WSGI_KEYS)
    server = [
        EnvironEntry(key, environ[key], _server_key_meaning(key))
        for key in sorted(environ)
        if key not in known and not key.startswith("HTTP_")
    ]
    return EnvironGroups(cgi, headers, wsgi, server)


_REQUIRED_CGI = frozenset(
    {"REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE",
     "CONTENT_LENGTH", "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL"}
)
_REQUIRED_WSGI = frozenset(
    {"wsgi.version", "wsgi.url_scheme", "wsgi.input", "wsgi.errors",
     "wsgi.multithread", "wsgi.multiprocess", "wsgi.run_once"}
)


def _server_key_meaning(key: str) -> str:
    if key.startswith("werkzeug."):
        return "Added by Werkzeug (its test client or its development server)."
    if key.startswith("gunicorn."):
        return "Added by gunicorn."
    if key.startswith("wsgi."):
        return "A wsgi.* extension of this server."
    return "Added by the server or by middleware; not part of PEP 3333."
