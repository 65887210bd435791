"""A mixed twitapp workload for the server benchmarks: seeded data, a signed-in user, and the
raw requests a browser and an API client would send.

The mix, in turn: the home timeline (HTML and JSON), the public timeline (HTML and JSON), a
user's timeline, and one posted message in ten requests (CSRF token included), all as the
same signed-in user.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from bench.scenarios import SESSION_COOKIE
from bench.server import PROJECT_ROOT, Server

PASSWORD = "password"
_CSRF_FIELD = re.compile(rb'name="csrf_token" value="([^"]+)"')


def seed_sqlite(path: Path, users: int, messages: int, follows: int) -> list[str]:
    """Fill a new SQLite database with ``python -m twitapp seed``; return a few usernames,
    the best-connected first."""
    url = f"sqlite:///{path}"  # an absolute path makes the four slashes twitapp wants
    command = [
        sys.executable,
        "-m",
        "twitapp",
        "--database-url",
        url,
        "seed",
        "--users",
        str(users),
        "--messages",
        str(messages),
        "--follows",
        str(follows),
        "--password",
        PASSWORD,
    ]
    subprocess.run(command, cwd=PROJECT_ROOT, check=True, capture_output=True, timeout=600)
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT u.username FROM user u JOIN follower f ON f.who_id = u.user_id "
            "GROUP BY u.user_id ORDER BY COUNT(*) DESC, u.user_id LIMIT 3"
        ).fetchall()
    if not rows:
        raise RuntimeError(f"seeding {path} made no users who follow anyone")
    return [name for (name,) in rows]


def _cookie_from(headers: dict[str, str], current: str | None) -> str | None:
    jar = SimpleCookie()
    jar.load(headers.get("set-cookie", ""))
    return jar[SESSION_COOKIE].value if SESSION_COOKIE in jar else current


@dataclass
class SignedIn:
    cookie: str
    csrf_token: str


def sign_in(server: Server, username: str) -> SignedIn:
    """Log in through the form, as a browser would: GET the form, POST it, follow to home."""
    status, headers, body = server.request("GET", "/login")
    cookie = _cookie_from(headers, None)
    token = _CSRF_FIELD.search(body)
    if status != 200 or cookie is None or token is None:
        raise RuntimeError(
            f"GET /login gave {status}, cookie {cookie!r}, token found: {bool(token)}"
        )
    form = urlencode({"username": username, "password": PASSWORD, "csrf_token": token[1].decode()})
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"{SESSION_COOKIE}={cookie}",
    }
    status, headers, _ = server.request("POST", "/login", form.encode(), headers)
    cookie = _cookie_from(headers, cookie)
    if status not in (302, 303):
        raise RuntimeError(f"POST /login as {username} gave {status}")
    # The home page shows (and so consumes) the login flash and holds the form's token.
    status, headers, body = server.request(
        "GET", "/", headers={"Cookie": f"{SESSION_COOKIE}={cookie}"}
    )
    cookie = _cookie_from(headers, cookie)
    token = _CSRF_FIELD.search(body)
    if status != 200 or cookie is None or token is None:
        raise RuntimeError(f"GET / after login gave {status}; token found: {bool(token)}")
    return SignedIn(cookie, token[1].decode())


def _raw(
    server: Server,
    method: str,
    path: str,
    cookie: str,
    accept: str = "text/html",
    form: dict[str, str] | None = None,
) -> bytes:
    body = urlencode(form).encode() if form else b""
    lines = [
        f"{method} {path} HTTP/1.1",
        f"Host: {server.address}",
        "Connection: close",
        f"Accept: {accept}",
        f"Cookie: {SESSION_COOKIE}={cookie}",
    ]
    if form is not None:
        lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def mixed_requests(server: Server, usernames: list[str]) -> list[tuple[bytes, int]]:
    """Ten raw requests and the status each must get, signed in as ``usernames[0]``."""
    user = sign_in(server, usernames[0])
    other = usernames[-1]
    post = {
        "text": "Benchmarking the timeline, one message at a time.",
        "csrf_token": user.csrf_token,
    }
    requests = [
        (_raw(server, "GET", "/", user.cookie), 200),
        (_raw(server, "GET", "/public", user.cookie), 200),
        (_raw(server, "GET", f"/{other}", user.cookie), 200),
        (_raw(server, "GET", "/", user.cookie, accept="application/json"), 200),
        (_raw(server, "GET", "/public", user.cookie, accept="application/json"), 200),
        (_raw(server, "GET", f"/{other}", user.cookie, accept="application/json"), 200),
        (_raw(server, "GET", "/", user.cookie), 200),
        (_raw(server, "GET", "/public", user.cookie), 200),
        (_raw(server, "GET", f"/{usernames[0]}", user.cookie), 200),
        (_raw(server, "POST", "/add_message", user.cookie, form=post), 302),
    ]
    return requests
