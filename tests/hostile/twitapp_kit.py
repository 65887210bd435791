"""twitapp for the hostile-input tests: a production-like app on SQLite, and a signed-in client.

The app runs as it does in production (``TESTING`` off, so an exception becomes a 500 answer
rather than propagating; CSRF checks on), with two changes for speed and independence: a
cheap password hash, and a high per-address login limit, since every request here comes from
127.0.0.1 and the corpus fails logins on purpose (the throttling has tests of its own).
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

from tests.twitapp.helpers import make_app

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "hostile password"


def hostile_twitapp(path: Path) -> Any:
    return make_app(
        f"sqlite:///{path}",
        TESTING=False,
        CSRF_ENABLED=True,
        LOGIN_MAX_FAILURES_PER_ADDRESS=100_000,
        LOGIN_MAX_FAILURES_PER_USER=100_000,
    )


def csrf_token(client: Any, path: str = "/login") -> str:
    """The CSRF token of the client's session, read off a page with a form."""
    page = client.get(path)
    found = _CSRF.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path} ({page.status_code})"
    return found.group(1)


def signed_in(app: Any, username: str) -> tuple[Any, str]:
    """A test client signed in as a new user ``username``, and its CSRF token."""
    client = app.test_client()
    token = csrf_token(client, "/register")
    reply = client.post("/register", data={
        "username": username, "email": f"{username}@example.org", "password": PASSWORD,
        "password2": PASSWORD, "csrf_token": token,
    })
    assert reply.status_code == 302, reply.get_data(as_text=True)[:500]
    token = csrf_token(client, "/login")
    reply = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert reply.status_code == 302
    return client, csrf_token(client, "/")


def session_cookie(client: Any) -> bytes:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return f"session={cookie.value}".encode()


def consistency_problems(path: Path) -> list[str]:
    """What is wrong with the database file: corruption, dangling references, duplicates."""
    problems = []
    with sqlite3.connect(path) as conn:
        status = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if status != "ok":
            problems.append(f"integrity_check: {status}")
        for row in conn.execute("PRAGMA foreign_key_check"):
            problems.append(f"dangling reference: {row}")
        for name, n in conn.execute(
            "SELECT lower(username), COUNT(*) FROM user GROUP BY lower(username) HAVING COUNT(*) > 1"
        ):
            problems.append(f"user {name!r} stored {n} times")
        for (n,) in conn.execute(
            "SELECT COUNT(*) FROM message WHERE author_id NOT IN (SELECT user_id FROM user)"
        ):
            if n:
                problems.append(f"{n} messages by no user")
    return problems


def table_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        return {table: conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                for table in ("user", "message", "follower")}
